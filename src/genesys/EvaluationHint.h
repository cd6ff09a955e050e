#pragma once
// What one v2.quality.evaluations notification says about an evaluation (SDK model
// EvaluationQualityV2TopicEvaluationV2). It is a hint, never the record: notifications are not
// durable and carry none of the fields a mapping reads, so the receiver reads the evaluation with
// the evaluation GET before mapping it (SPEC section 6, "Push"), and the sweep catches whatever no
// hint announced.
#include <string>

namespace evalbridge {

struct EvaluationHint {
  std::string evaluationId;    // eventBody.id (always present: frames without it are malformed)
  std::string conversationId;  // eventBody.conversationId (always present)
  std::string changedDate;     // ISO 8601 as sent; "" when absent
  std::string status;     // the topic's spelling: Pending, InProgress, Finished, InReview, Retracted; "" when absent
  bool rescore = false;   // eventBody.rescore; false when absent or not a boolean
  std::string eventType;  // eventBody.eventType as sent (e.g. "Create", "Update"), for logs; "" when absent
};

}  // namespace evalbridge
