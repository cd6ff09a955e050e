#pragma once
// Where evaluations come from. The export-job source (SPEC section 6) and, later, the analytics
// source implement it; tests and the simulator plug in through it.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>
#include <Poco/Timestamp.h>

namespace evalbridge {

class ProjectionPaths;

struct TimeWindow {
  std::string start;  // ISO 8601 UTC, inclusive
  std::string end;    // ISO 8601 UTC, exclusive
  // A long window the sweep sent out to cover a quiet stretch at once (SweepWindows.h): a source
  // that reads in date order may stop after its first full page, and say where (WindowStop).
  bool mayStopAtFullPage = false;
};

// Where a source stopped reading a window (mayStopAtFullPage): everything before that instant
// was handed over, nothing at or after it need have been. Nothing: the window was read whole.
using WindowStop = std::optional<Poco::Timestamp>;

// Receives evaluations a page at a time (so memory stays bounded by the page size).
using EvaluationPageHandler = std::function<void(const std::vector<Poco::JSON::Object::Ptr>& page)>;

class EvaluationSource {
 public:
  virtual ~EvaluationSource() = default;
  // Delivers every evaluation of the window to `handler` (or of its part before the stop it
  // returns); throws on failure (TransientError when a later cycle may succeed,
  // PermanentError/GenesysApiError when a person must act).
  virtual WindowStop fetch(const TimeWindow& window, const EvaluationPageHandler& handler) = 0;

  // The instant up to which this source's data is complete, when it says so (the analytics
  // dataAvailabilityDate). No window ends after it, so the checkpoint never passes it: an
  // evaluation that reaches the source late is still read. Nothing: complete up to now.
  virtual std::optional<Poco::Timestamp> completeUntil() { return std::nullopt; }

  // Hand evaluations over cut down to these paths (EvaluationProjection.h) instead of whole,
  // where the source reads results documents itself (search, export). Null: whole.
  void projectOnto(std::shared_ptr<const ProjectionPaths> paths) { projection_ = std::move(paths); }
  // The paths set by projectOnto (null: whole), for what reads full evaluations beside the source.
  const std::shared_ptr<const ProjectionPaths>& projection() const { return projection_; }

 protected:
  std::shared_ptr<const ProjectionPaths> projection_;
};

}  // namespace evalbridge
