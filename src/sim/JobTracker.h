#pragma once
// Asynchronous jobs of one org (quality exports, analytics conversation-detail jobs). A job holds
// a snapshot of its items taken when it was created, so data that changes later (a rescore) shows
// up in the next job, as with the real APIs. It reports "queued" on the first poll, "running" for
// the next `pollsUntilDone` polls, then "done"; an injected failure makes it fail for good.
// Results are read in pages addressed by opaque cursors; items become JSON only when their page is
// read (JobItems). Thread-safe.
#include <Poco/JSON/Object.h>
#include <Poco/Timestamp.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sim/JobItems.h"

namespace evalbridge::sim {

class JobTracker {
 public:
  enum class Phase { Queued, Running, Done, Failed };
  struct Status {
    Phase phase = Phase::Queued;
    std::string failure;       // FAILED | CANCELLED | EXPIRED when phase == Failed
    std::string errorMessage;  // idem
    Poco::Timestamp submitted;  // when the job was created
    std::optional<Poco::Timestamp> completed;  // first seen done
  };
  struct Page {
    std::vector<Poco::JSON::Object::Ptr> items;
    std::optional<std::string> nextCursor;
  };

  explicit JobTracker(int pollsUntilDone);

  std::string create(std::shared_ptr<const JobItems> items);
  bool exists(const std::string& jobId) const;
  // Counts a poll. `injectedFailure` (FAILED/CANCELLED/EXPIRED) makes the job fail from now on.
  // Throws NotFoundException for an unknown job.
  Status poll(const std::string& jobId, const std::optional<std::string>& injectedFailure);
  // Throws NotFoundException (unknown job), InvalidArgumentException (not done, bad cursor).
  Page page(const std::string& jobId, const std::string& cursor, int pageSize) const;
  // Every item of a finished job, to be rendered by the caller; nullptr if unknown or not done.
  std::shared_ptr<const JobItems> allItems(const std::string& jobId) const;

 private:
  struct Job {
    std::shared_ptr<const JobItems> items;  // immutable
    int polls = 0;
    std::string failure;
    Poco::Timestamp submitted;
    std::optional<Poco::Timestamp> completed;
  };
  Phase phaseOf(const Job& job) const;

  const int pollsUntilDone_;
  mutable std::mutex mutex_;
  std::map<std::string, Job> jobs_;
};

}  // namespace evalbridge::sim
