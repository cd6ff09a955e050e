#include "sim/RequestLog.h"

namespace evalbridge::sim {

std::uint64_t RequestLog::record(RecordedRequest request) {
  std::lock_guard<std::mutex> lock(mutex_);
  request.seq = ++lastSeq_;
  entries_.push_back(std::move(request));
  if (entries_.size() > kMaxEntries) entries_.pop_front();
  return lastSeq_;
}

std::vector<RecordedRequest> RequestLog::all() const {
  return since(0);
}

std::vector<RecordedRequest> RequestLog::since(std::uint64_t seq) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<RecordedRequest> out;
  for (const auto& entry : entries_) {
    if (entry.seq > seq) out.push_back(entry);
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
