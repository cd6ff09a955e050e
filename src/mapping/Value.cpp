#include "mapping/Value.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <typeinfo>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>

namespace evalbridge {
namespace mapping {

namespace {

bool isObjectVar(const Poco::Dynamic::Var& var) {
  const std::type_info& t = var.type();
  if (t == typeid(Poco::JSON::Object::Ptr)) return !var.extract<Poco::JSON::Object::Ptr>().isNull();
  return t == typeid(Poco::JSON::Object);
}

bool isArrayVar(const Poco::Dynamic::Var& var) {
  const std::type_info& t = var.type();
  if (t == typeid(Poco::JSON::Array::Ptr)) return !var.extract<Poco::JSON::Array::Ptr>().isNull();
  return t == typeid(Poco::JSON::Array);
}

bool isNullPtrVar(const Poco::Dynamic::Var& var) {
  const std::type_info& t = var.type();
  if (t == typeid(Poco::JSON::Object::Ptr)) return var.extract<Poco::JSON::Object::Ptr>().isNull();
  if (t == typeid(Poco::JSON::Array::Ptr)) return var.extract<Poco::JSON::Array::Ptr>().isNull();
  return false;
}

std::string compactJson(const Poco::Dynamic::Var& var) {
  try {
    std::ostringstream out;
    Poco::JSON::Stringifier::condense(var, out);
    return out.str();
  } catch (...) {
    return std::string();
  }
}

}  // namespace

Value Value::of(const Poco::Dynamic::Var& var, bool found) {
  Value v;
  if (!found) return v;  // Missing
  try {
    if (var.isEmpty() || isNullPtrVar(var)) {
      v.kind = Kind::Null;
    } else if (isObjectVar(var)) {
      v.kind = Kind::Object;
      v.var = var;
    } else if (isArrayVar(var)) {
      v.kind = Kind::Array;
      v.var = var;
    } else if (var.type() == typeid(std::string)) {
      v.kind = Kind::String;
      v.var = var;
    } else if (var.isBoolean()) {
      v.kind = Kind::Bool;
      v.boolean = var.convert<bool>();
    } else if (var.isNumeric()) {
      v.kind = Kind::Number;
      if (var.isInteger()) {
        v.integral = true;
        if (var.isSigned()) {
          v.signedInt = var.convert<Poco::Int64>();
          v.negative = v.signedInt < 0;
          if (!v.negative) v.unsignedInt = static_cast<Poco::UInt64>(v.signedInt);
          v.number = static_cast<double>(v.signedInt);
        } else {
          v.unsignedInt = var.convert<Poco::UInt64>();
          v.number = static_cast<double>(v.unsignedInt);
        }
      } else {
        v.number = var.convert<double>();
      }
    } else if (var.isString()) {  // string-like holders other than std::string
      v.kind = Kind::String;
      v.var = var.convert<std::string>();
    } else {
      v.kind = Kind::Other;
      v.var = var;
    }
  } catch (...) {
    v = Value();
    v.kind = Kind::Other;
  }
  return v;
}

const std::string& Value::string() const {
  static const std::string empty;
  if (kind != Kind::String) return empty;
  return var.extract<std::string>();
}

std::string Value::text() const {
  switch (kind) {
    case Kind::Missing:
    case Kind::Null:
      return std::string();
    case Kind::String:
      return string();
    case Kind::Number:
      if (integral) return negative ? std::to_string(signedInt) : std::to_string(unsignedInt);
      return formatNumber(number);
    case Kind::Bool:
      return boolean ? "true" : "false";
    case Kind::Object:
    case Kind::Array:
      return compactJson(var);
    case Kind::Other:
      try {
        return var.isEmpty() ? std::string() : var.convert<std::string>();
      } catch (...) {
        return std::string();
      }
  }
  return std::string();
}

std::string Value::describe(std::size_t maxChars) const {
  switch (kind) {
    case Kind::Missing:
      return "missing";
    case Kind::Null:
      return "null";
    case Kind::String:
      return jsonQuote(truncateText(string(), maxChars));
    case Kind::Object:
    case Kind::Array:
      return truncateText(text(), maxChars);
    case Kind::Other:
      return "a value of type " + truncateText(var.type().name(), maxChars);
    default:
      return text();
  }
}

bool Literal::from(const Poco::Dynamic::Var& var, Literal& out) {
  Value v = Value::of(var);
  out = Literal();
  switch (v.kind) {
    case Value::Kind::String:
      out.kind = Kind::String;
      out.string = v.string();
      out.text = out.string;
      out.json = jsonQuote(out.string);
      return true;
    case Value::Kind::Number:
      out.kind = Kind::Number;
      out.number = v.number;
      out.text = v.text();
      out.json = out.text;
      return true;
    case Value::Kind::Bool:
      out.kind = Kind::Bool;
      out.boolean = v.boolean;
      out.text = v.text();
      out.json = out.text;
      return true;
    default:
      return false;
  }
}

bool Literal::equals(const Value& value) const {
  switch (kind) {
    case Kind::String:
      return value.kind == Value::Kind::String && value.string() == string;
    case Kind::Number:
      return value.kind == Value::Kind::Number && value.number == number;
    case Kind::Bool:
      return value.kind == Value::Kind::Bool && value.boolean == boolean;
  }
  return false;
}

std::string formatNumber(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  if (value == 0) return "0";  // also -0

  // Shortest round-trip digits, then JavaScript's layout (ECMA-262 Number::toString).
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
  std::string sci(buf, res.ptr);  // e.g. "-6.25e+01"
  std::string out;
  std::size_t i = 0;
  if (sci[i] == '-') {
    out += '-';
    ++i;
  }
  std::size_t ePos = sci.find('e', i);
  std::string digits;
  for (std::size_t j = i; j < ePos; ++j)
    if (sci[j] != '.') digits += sci[j];
  int exp10 = std::atoi(sci.c_str() + ePos + 1);
  int k = static_cast<int>(digits.size());
  int n = exp10 + 1;  // value = 0.DIGITS * 10^n
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out += digits.substr(0, static_cast<std::size_t>(n));
    out += '.';
    out += digits.substr(static_cast<std::size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-n), '0');
    out += digits;
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out += digits.substr(1);
    }
    out += 'e';
    out += (n - 1 >= 0) ? '+' : '-';
    out += std::to_string(std::abs(n - 1));
  }
  return out;
}

std::string jsonQuote(const std::string& text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char esc[8];
          std::snprintf(esc, sizeof esc, "\\u%04x", c);
          out += esc;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

std::string truncateText(const std::string& text, std::size_t maxBytes) {
  if (text.size() <= maxBytes) return text;
  std::size_t cut = maxBytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "...";
}

std::string childPath(const std::string& parent, const std::string& key) {
  bool ident = !key.empty() && !(key[0] >= '0' && key[0] <= '9');
  for (char c : key) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) {
      ident = false;
      break;
    }
  }
  return ident ? parent + "." + key : parent + "[" + jsonQuote(key) + "]";
}

std::string indexPath(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

std::string jsonTypeName(const Poco::Dynamic::Var& var) {
  switch (Value::of(var).kind) {
    case Value::Kind::Missing:
    case Value::Kind::Null:
      return "null";
    case Value::Kind::String:
      return "a string";
    case Value::Kind::Number:
      return "a number";
    case Value::Kind::Bool:
      return "a boolean";
    case Value::Kind::Object:
      return "an object";
    case Value::Kind::Array:
      return "an array";
    case Value::Kind::Other:
      break;
  }
  return "an unsupported value";
}

}  // namespace mapping
}  // namespace evalbridge
