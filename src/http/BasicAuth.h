#pragma once
// HTTP Basic credentials (RFC 7617): the Authorization header value for Genesys's token endpoint
// and ServiceNow's basic auth, and the base64 form the redactor must also hide.
#include <string>

namespace evalbridge {

std::string base64NoWrap(const std::string& value);
// "Basic " + base64(user:password)
std::string basicAuthorization(const std::string& user, const std::string& password);

}  // namespace evalbridge
