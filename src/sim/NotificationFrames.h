#pragma once
// The text frames a Genesys notification WebSocket carries, all JSON objects with a topicName
// (Genesys "Notification Service" docs): events, the channel.metadata heartbeat and pong, and
// the v2.system.socket_closing notice sent before the service closes a socket.
#include <Poco/JSON/Object.h>

#include <string>

namespace evalbridge::sim {

inline const char* const kChannelExpiredMessage = "The notification channel has expired";
inline const char* const kSocketClosingMessage = "This socket is closing; connect again to keep receiving notifications";

// {"topicName":topic,"version":"2","eventBody":body,"metadata":{"CorrelationId":uuid}}
std::string eventFrame(const std::string& topic, const Poco::JSON::Object::Ptr& body);
// {"topicName":"channel.metadata","eventBody":{"message":"WebSocket Heartbeat"}}
std::string heartbeatFrame();
// {"topicName":"channel.metadata","eventBody":{"message":"pong"}}
std::string pongFrame();
// {"topicName":"v2.system.socket_closing","eventBody":{"message":message}}
std::string socketClosingFrame(const std::string& message);
// True for a client's {"message":"ping"} (anything else, JSON or not, is not a ping).
bool isPingRequest(const std::string& text);

}  // namespace evalbridge::sim
