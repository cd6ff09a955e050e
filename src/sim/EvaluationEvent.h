#pragma once
// The eventBody of a v2.quality.evaluations notification (SDK model
// EvaluationQualityV2TopicEvaluationV2), built from a stored evaluation. The topic has its own
// shapes and spellings: flat ids (conversationId, evaluationFormId, formName), users as
// {id[, displayName]} (the simulator sends the id only: a client must look names up), and status in
// the topic's enum (Pending, InProgress, Finished, InReview, Retracted) instead of the REST
// API's upper case.
#include <Poco/JSON/Object.h>

#include <string>

namespace evalbridge::sim {

inline const char* const kEventTypeCreate = "Create";  // the evaluation was added
inline const char* const kEventTypeUpdate = "Update";  // it changed (a rescore)

// PENDING -> Pending, INPROGRESS -> InProgress, FINISHED -> Finished, INREVIEW -> InReview,
// RETRACTED -> Retracted. Throws InvalidArgumentException for anything else.
std::string topicStatus(const std::string& evaluationStatus);

// `stored` is a copy the caller owns (the body may share parts of it). `divisionId` "" leaves divisionIds out. eventTime is the evaluation's changedDate (the moment
// of the change the event reports), so events are as deterministic as the data.
Poco::JSON::Object::Ptr evaluationEventBody(const Poco::JSON::Object::Ptr& stored, const std::string& eventType,
                                            const std::string& divisionId);

}  // namespace evalbridge::sim
