#pragma once
// A documented subset of ServiceNow's encoded query language (sysparm_query): conditions joined
// by "^" (AND), and ORDERBY<field> / ORDERBYDESC<field> terms. Operators: = != > >= < <=
// STARTSWITH ENDSWITH LIKE NOTLIKE IN NOT IN ISEMPTY ISNOTEMPTY. A value may be
// javascript:gs.dateGenerate('YYYY-MM-DD','HH:MM:SS'). OR terms ("^OR", "^NQ") and anything else
// are rejected with InvalidArgumentException, never silently ignored: real ServiceNow ignores an
// invalid condition and returns every record, which is exactly the bug a test should catch.
#include <map>
#include <string>
#include <vector>

namespace evalbridge::sim {

class EncodedQuery {
 public:
  using Fields = std::map<std::string, std::string>;

  static EncodedQuery parse(const std::string& text);

  bool matches(const Fields& record) const;
  // Strict weak order from the ORDERBY terms; false for everything when there are none.
  bool before(const Fields& a, const Fields& b) const;

 private:
  struct Condition {
    std::string field;
    std::string op;
    std::string value;
  };
  struct Ordering {
    std::string field;
    bool descending = false;
  };
  static Condition parseCondition(const std::string& term);
  static bool holds(const Condition& condition, const std::string& actual);

  std::vector<Condition> conditions_;
  std::vector<Ordering> orderings_;
};

}  // namespace evalbridge::sim
