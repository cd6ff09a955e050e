#pragma once
// Evaluations as they were when a job was created (an export's changed evaluations, analytics'
// conversations): copies of their records, rendered one at a time when a page is read. A later
// rescore changes the store's record, not this copy, so it shows up in the next job only, as
// with the real APIs. `view` turns each document into the job's item (analytics makes a
// conversation of it); without one the item is the document.
#include <functional>
#include <memory>
#include <vector>

#include "sim/EvaluationGenerator.h"
#include "sim/EvaluationRecord.h"
#include "sim/JobItems.h"

namespace evalbridge::sim {

class EvaluationSnapshot : public JobItems {
 public:
  using View =
      std::function<Poco::JSON::Object::Ptr(const Poco::JSON::Object::Ptr& document, const EvaluationRecord& record)>;

  EvaluationSnapshot(std::shared_ptr<const EvaluationGenerator> generator, std::vector<EvaluationRecord> records,
                     View view = {})
      : generator_(std::move(generator)), records_(std::move(records)), view_(std::move(view)) {}

  std::size_t size() const override { return records_.size(); }
  Poco::JSON::Object::Ptr item(std::size_t position) const override {
    const EvaluationRecord& record = records_.at(position);
    auto document = record.document(*generator_);
    return view_ ? view_(document, record) : document;
  }

 private:
  const std::shared_ptr<const EvaluationGenerator> generator_;
  const std::vector<EvaluationRecord> records_;
  const View view_;
};

}  // namespace evalbridge::sim
