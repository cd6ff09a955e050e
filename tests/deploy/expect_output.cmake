# Runs one command and passes only when it exits 0 AND its output (stdout and stderr) matches
# EXPECT, so a check that ran nothing (e.g. "0 rules found") fails instead of passing empty.
#   cmake -DEXPECT=<regex> -DTOOL=<path or *-NOTFOUND> -DPACKAGE=<Debian package> -P expect_output.cmake -- ARGS...
# A tool that CMake did not find fails here with the package to install (never a silent skip).
if(NOT TOOL OR TOOL MATCHES "-NOTFOUND$")
  message(FATAL_ERROR "the tool of this check was not found when CMake ran: install the Debian package "
                      "${PACKAGE} (scripts/install-packages.sh prometheus yamllint), then configure again")
endif()
set(args "")
set(after_separator FALSE)
foreach(i RANGE ${CMAKE_ARGC})
  if(i EQUAL CMAKE_ARGC)
    break()
  endif()
  if(after_separator)
    list(APPEND args "${CMAKE_ARGV${i}}")
  elseif("${CMAKE_ARGV${i}}" STREQUAL "--")
    set(after_separator TRUE)
  endif()
endforeach()
execute_process(COMMAND "${TOOL}" ${args} RESULT_VARIABLE code OUTPUT_VARIABLE output ERROR_VARIABLE output)
string(REPLACE ";" " " shown "${TOOL};${args}")
message("${shown}\n${output}")
if(NOT code EQUAL 0)
  message(FATAL_ERROR "exit code ${code}")
endif()
if(NOT output MATCHES "${EXPECT}")
  message(FATAL_ERROR "the output does not match \"${EXPECT}\": the check ran on nothing")
endif()
