#pragma once
// The items of one asynchronous job (JobTracker), fixed when the job is created and turned into
// JSON only when a results page (or the download) is read: a job over millions of evaluations
// holds their compact records, not their documents (EvaluationSnapshot). Immutable, so pages are
// rendered outside the tracker's lock.
#include <Poco/JSON/Object.h>

#include <cstddef>

namespace evalbridge::sim {

class JobItems {
 public:
  virtual ~JobItems() = default;
  virtual std::size_t size() const = 0;
  // A new object each call: the caller may change it.
  virtual Poco::JSON::Object::Ptr item(std::size_t position) const = 0;
};

}  // namespace evalbridge::sim
