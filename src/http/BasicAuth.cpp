#include "http/BasicAuth.h"

#include <sstream>

#include <Poco/Base64Encoder.h>

namespace evalbridge {

std::string base64NoWrap(const std::string& value) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder << value;
  encoder.close();
  return out.str();
}

std::string basicAuthorization(const std::string& user, const std::string& password) {
  return "Basic " + base64NoWrap(user + ":" + password);
}

}  // namespace evalbridge
