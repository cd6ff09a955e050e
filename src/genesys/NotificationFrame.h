#pragma once
// The text frames of a Genesys notification WebSocket, read defensively. Every frame is a JSON
// object with a topicName: channel.metadata (the ~30 s "WebSocket Heartbeat", and "pong", the
// answer to our {"message":"ping"}), v2.system.socket_closing (the service closes this socket
// soon), or an event of a subscribed topic ({"topicName","version","eventBody","metadata"}).
// Pure logic, no I/O: the channel hands each received text here and acts on the kind.
//
// A frame the bridge cannot use is Malformed with a reason that never quotes the frame (an
// event body is customer data); it costs that frame only.
#include <cstddef>
#include <string>

#include "genesys/EvaluationHint.h"

namespace evalbridge {

inline const char* const kEvaluationsTopic = "v2.quality.evaluations";
inline const char* const kChannelMetadataTopic = "channel.metadata";
inline const char* const kSocketClosingTopic = "v2.system.socket_closing";

// Larger frames are refused unparsed. Genesys events are a few KiB; 1 MiB leaves room for any
// real one while bounding what a broken or hostile server can make the bridge hold.
constexpr std::size_t kMaxNotificationFrameBytes = 1024 * 1024;

struct NotificationFrame {
  enum class Kind {
    Heartbeat,      // channel.metadata "WebSocket Heartbeat"
    Pong,           // channel.metadata "pong"
    Metadata,       // any other channel.metadata message (still proof that the socket lives)
    SocketClosing,  // v2.system.socket_closing
    Evaluation,     // v2.quality.evaluations with a usable eventBody: `hint` is filled
    OtherTopic,     // a well-formed event of a topic we did not ask for
    Malformed,      // see `problem`
  };
  Kind kind = Kind::Malformed;
  std::string topicName;  // safe to log: printable, at most 128 characters ("" when absent or unusable)
  EvaluationHint hint;    // Kind::Evaluation only
  std::string problem;    // Kind::Malformed only: why, without the frame's content
};

// Never throws. `maxBytes` caps what is parsed at all.
NotificationFrame parseNotificationFrame(const std::string& text, std::size_t maxBytes = kMaxNotificationFrameBytes);

// The application-level ping Genesys answers with a channel.metadata "pong".
std::string notificationPingText();

// A topic name as it may appear in a log line: printable ASCII only, at most 128 characters
// (longer names are cut and marked), so a hostile frame cannot forge log lines.
std::string loggableTopicName(const std::string& topicName);

}  // namespace evalbridge
