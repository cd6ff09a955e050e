#include "sim/RequestLog.h"

#include <Poco/DeflatingStream.h>
#include <Poco/InflatingStream.h>
#include <Poco/StreamCopier.h>

#include <sstream>

namespace evalbridge::sim {
namespace {

std::string deflated(const std::string& text) {
  std::ostringstream out;
  Poco::DeflatingOutputStream deflater(out, Poco::DeflatingStreamBuf::STREAM_ZLIB, 1);  // fastest: on the request path
  deflater.write(text.data(), static_cast<std::streamsize>(text.size()));
  deflater.close();
  return out.str();
}

std::string inflated(const std::string& packed) {
  std::istringstream in(packed);
  Poco::InflatingInputStream inflater(in, Poco::InflatingStreamBuf::STREAM_ZLIB);
  std::string text;
  Poco::StreamCopier::copyToString(inflater, text);
  return text;
}

}  // namespace

std::uint64_t RequestLog::record(RecordedRequest request) {
  Kept kept;
  if (request.responseBody.size() > kPackAboveBytes) {
    // Packed before taking the lock: handler threads pack in parallel.
    kept.packedBody = deflated(request.responseBody);
    request.responseBody.clear();
    request.responseBody.shrink_to_fit();
  }
  kept.request = std::move(request);
  std::lock_guard<std::mutex> lock(mutex_);
  kept.request.seq = ++lastSeq_;
  entries_.push_back(std::move(kept));
  if (entries_.size() > kMaxEntries) entries_.pop_front();
  return lastSeq_;
}

void RequestLog::arrived(const std::string& server, const std::string& method) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++arrivals_[{server, method}];
}

std::uint64_t RequestLog::arrivals(const std::string& server, const std::string& method) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto found = arrivals_.find({server, method});
  return found == arrivals_.end() ? 0 : found->second;
}

std::vector<RecordedRequest> RequestLog::all() const {
  return since(0);
}

std::vector<RecordedRequest> RequestLog::since(std::uint64_t seq) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<RecordedRequest> out;
  for (const auto& entry : entries_) {
    if (entry.request.seq <= seq) continue;
    out.push_back(entry.request);
    if (!entry.packedBody.empty()) out.back().responseBody = inflated(entry.packedBody);
  }
  return out;
}

std::string RequestLog::capped(const std::string& body) {
  if (body.size() <= kMaxBodyBytes) return body;
  return body.substr(0, kMaxBodyBytes) + "\n[evalbridge-sim: response truncated, " + std::to_string(body.size()) +
         " bytes in total]";
}

void RequestLog::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  entries_.clear();
}

}  // namespace evalbridge::sim
