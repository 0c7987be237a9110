// A minimal test runner for the core tests: TEST_CASE registers a function,
// CHECK and CHECK_EQ report the failing expression with file:line and leave
// the test, and run_tests() returns non-zero when any test failed.
#pragma once

#undef NDEBUG  // the core's asserts are part of what the tests check

#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

namespace ringcast_test {

struct TestCase {
  const char* name;
  void (*run)();
};

inline std::vector<TestCase>& registry() {
  static std::vector<TestCase> tests;
  return tests;
}

inline bool& current_test_failed() {
  static bool failed = false;
  return failed;
}

inline bool register_test(const char* name, void (*run)()) {
  registry().push_back({name, run});
  return true;
}

// Prints enums by value and byte-sized integers as numbers.
template <typename T>
std::string printable(const T& value) {
  std::ostringstream stream;
  if constexpr (std::is_enum_v<T>) {
    stream << +static_cast<std::underlying_type_t<T>>(value);
  } else if constexpr (std::is_integral_v<T>) {
    stream << +value;
  } else {
    stream << value;
  }
  return stream.str();
}

inline void report_failure(const char* file, int line, const char* expression,
                           const std::string& detail) {
  current_test_failed() = true;
  std::fprintf(stderr, "%s:%d: CHECK failed: %s%s\n", file, line, expression,
               detail.c_str());
}

// Runs every test, or only those whose name contains argv[1].
inline int run_tests(int argc, char** argv) {
  const char* filter = argc > 1 ? argv[1] : "";
  int failed = 0;
  int run = 0;
  for (const TestCase& test : registry()) {
    if (std::strstr(test.name, filter) == nullptr) {
      continue;
    }
    current_test_failed() = false;
    test.run();
    ++run;
    if (current_test_failed()) {
      ++failed;
    }
    std::printf("%s %s\n", current_test_failed() ? "FAIL" : "ok  ", test.name);
  }
  std::printf("%d tests, %d failed\n", run, failed);
  return failed == 0 && run > 0 ? 0 : 1;
}

}  // namespace ringcast_test

#define TEST_CASE(name)                                  \
  static void name();                                    \
  [[maybe_unused]] static const bool name##_registered = \
      ::ringcast_test::register_test(#name, name);       \
  static void name()

#define CHECK(condition)                                                   \
  do {                                                                     \
    if (!(condition)) {                                                    \
      ::ringcast_test::report_failure(__FILE__, __LINE__, #condition, ""); \
      return;                                                              \
    }                                                                      \
  } while (0)

#define CHECK_EQ(actual, expected)                                   \
  do {                                                               \
    const auto& check_actual = (actual);                             \
    const auto& check_expected = (expected);                         \
    if (!(check_actual == check_expected)) {                         \
      ::ringcast_test::report_failure(                               \
          __FILE__, __LINE__, #actual " == " #expected,              \
          " (" + ::ringcast_test::printable(check_actual) + " vs " + \
              ::ringcast_test::printable(check_expected) + ")");     \
      return;                                                        \
    }                                                                \
  } while (0)
