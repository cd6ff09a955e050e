#include "sim/JobTracker.h"

#include <Poco/Exception.h>
#include <Poco/NumberParser.h>

#include "sim/RandomIds.h"

namespace evalbridge::sim {
namespace {

std::string errorMessageFor(const std::string& failure) {
  if (failure == "CANCELLED") return "The export job was cancelled.";
  if (failure == "EXPIRED") return "The export job expired before its results were read.";
  return "The export job failed: internal error while collecting evaluations.";
}

// Cursors are opaque to clients; here they carry the next offset, prefixed so that a number a
// client made up is rejected rather than silently accepted.
std::string cursorFor(std::size_t offset) {
  return "sim-" + std::to_string(offset);
}

std::size_t offsetOf(const std::string& cursor) {
  if (cursor.empty()) return 0;
  unsigned offset = 0;
  if (cursor.compare(0, 4, "sim-") != 0 || !Poco::NumberParser::tryParseUnsigned(cursor.substr(4), offset)) {
    throw Poco::InvalidArgumentException("cursor: not a cursor this server issued: '" + cursor + "'");
  }
  return offset;
}

}  // namespace

JobTracker::JobTracker(int pollsUntilDone) : pollsUntilDone_(pollsUntilDone) {}

std::string JobTracker::create(std::shared_ptr<const JobItems> items) {
  std::string id = randomUuid();
  std::lock_guard<std::mutex> lock(mutex_);
  Job job;
  job.items = std::move(items);
  jobs_[id] = std::move(job);
  return id;
}

bool JobTracker::exists(const std::string& jobId) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return jobs_.count(jobId) > 0;
}

JobTracker::Phase JobTracker::phaseOf(const Job& job) const {
  if (!job.failure.empty()) return Phase::Failed;
  if (pollsUntilDone_ <= 0) return Phase::Done;
  if (job.polls <= 1) return Phase::Queued;
  return job.polls <= pollsUntilDone_ + 1 ? Phase::Running : Phase::Done;
}

JobTracker::Status JobTracker::poll(const std::string& jobId, const std::optional<std::string>& injectedFailure) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = jobs_.find(jobId);
  if (it == jobs_.end()) throw Poco::NotFoundException("job " + jobId);
  Job& job = it->second;
  ++job.polls;
  if (injectedFailure && job.failure.empty()) job.failure = *injectedFailure;
  Status status;
  status.phase = phaseOf(job);
  status.submitted = job.submitted;
  if (status.phase == Phase::Done && !job.completed) job.completed = Poco::Timestamp();
  status.completed = job.completed;
  if (status.phase == Phase::Failed) {
    status.failure = job.failure;
    status.errorMessage = errorMessageFor(job.failure);
  }
  return status;
}

JobTracker::Page JobTracker::page(const std::string& jobId, const std::string& cursor, int pageSize) const {
  std::shared_ptr<const JobItems> items;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = jobs_.find(jobId);
    if (it == jobs_.end()) throw Poco::NotFoundException("job " + jobId);
    const Job& job = it->second;
    if (phaseOf(job) != Phase::Done) throw Poco::InvalidArgumentException("job " + jobId + " is not complete");
    items = job.items;
  }
  // Rendered without the lock: the items are immutable, and other jobs' polls need not wait.
  const std::size_t offset = offsetOf(cursor);
  if (offset > items->size()) throw Poco::InvalidArgumentException("cursor: past the end");
  const std::size_t end = std::min(items->size(), offset + static_cast<std::size_t>(pageSize));
  Page page;
  for (std::size_t i = offset; i < end; ++i) page.items.push_back(items->item(i));
  if (end < items->size()) page.nextCursor = cursorFor(end);
  return page;
}

std::shared_ptr<const JobItems> JobTracker::allItems(const std::string& jobId) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = jobs_.find(jobId);
  if (it == jobs_.end() || phaseOf(it->second) != Phase::Done) return nullptr;
  return it->second.items;
}

}  // namespace evalbridge::sim
