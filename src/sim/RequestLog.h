#pragma once
// Every request every simulated server answered, so tests can assert on the wire (what was sent,
// to which server, with which headers, and what the simulator answered). Thread-safe.
//
// Large response bodies are kept deflated and inflated again when read: a search page of 100
// evaluations is ~190 KB of repetitive JSON (~10 times smaller packed), and a sweep over two
// million evaluations answers 20,000 of them, ~4 GB in the log otherwise.
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "sim/Simulator.h"

namespace evalbridge::sim {

class RequestLog {
 public:
  // Sequence numbers are assigned when the answer is decided (just before it is sent), so a
  // reader that saw seq N and asks for "since N" never misses an entry that finished later.
  std::uint64_t record(RecordedRequest request);
  std::vector<RecordedRequest> all() const;
  std::vector<RecordedRequest> since(std::uint64_t seq) const;
  // Drops the entries; sequence numbers keep growing so "since" stays meaningful.
  void clear();

  // Requests counted as they arrive, before any latency fault or answer: entries are only
  // recorded once answered, so a test waiting for a request in flight counts these.
  void arrived(const std::string& server, const std::string& method);
  std::uint64_t arrivals(const std::string& server, const std::string& method) const;

  // A response body as the log keeps it: whole up to kMaxBodyBytes, else cut there and followed by
  // a marker naming the full size (the log must not hold a huge download per entry).
  static std::string capped(const std::string& body);
  static constexpr std::size_t kMaxBodyBytes = 1024 * 1024;

 private:
  static constexpr std::size_t kMaxEntries = 100000;    // a long-running demo must not grow forever
  static constexpr std::size_t kPackAboveBytes = 4096;  // smaller bodies are not worth packing
  struct Kept {
    RecordedRequest request;  // its responseBody is empty when packed
    std::string packedBody;   // deflated; empty when the body is kept as it is
  };
  mutable std::mutex mutex_;
  std::deque<Kept> entries_;
  std::uint64_t lastSeq_ = 0;
  std::map<std::pair<std::string, std::string>, std::uint64_t> arrivals_;  // by server and method
};

}  // namespace evalbridge::sim
