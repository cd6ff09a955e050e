// evalbridge-sim [--scenario FILE] [--port-file FILE]
// Starts the simulator (sim/Simulator.h), prints one line of JSON with its URLs (the
// GET /control/state document) to stdout, writes the same to --port-file, and serves until
// SIGTERM or SIGINT. Exit codes: 0 after a signal, 1 runtime failure, 2 usage/scenario error.
#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "common/Errors.h"
#include "common/TerminationSignals.h"
#include "sim/Simulator.h"

namespace {

struct Arguments {
  std::string scenarioFile;
  std::string portFile;
};

int usage(const std::string& problem) {
  std::cerr << "evalbridge-sim: " << problem << "\n"
            << "usage: evalbridge-sim [--scenario FILE] [--port-file FILE]\n";
  return 2;
}

evalbridge::sim::SimulatorOptions loadScenario(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw evalbridge::ConfigError(path + ": cannot open the scenario file");
  std::stringstream text;
  text << in.rdbuf();
  Poco::Dynamic::Var parsed;
  try {
    Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));
    parsed = parser.parse(text.str());
  } catch (const Poco::Exception& e) {
    throw evalbridge::ConfigError(path + ": not valid JSON: " + e.displayText());
  }
  if (parsed.type() != typeid(Poco::JSON::Object::Ptr)) throw evalbridge::ConfigError(path + ": must be a JSON object");
  try {
    return evalbridge::sim::optionsFromJson(parsed.extract<Poco::JSON::Object::Ptr>());
  } catch (const evalbridge::ConfigError& e) {
    throw evalbridge::ConfigError(path + ": " + e.message());
  }
}

// Written to a temporary name, then renamed: a script polling for the file never reads half of it.
void writePortFile(const std::string& path, const std::string& line) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << line << "\n";
    if (!out) throw Poco::IOException("cannot write " + temporary);
  }
  Poco::File(temporary).renameTo(path);
}

}  // namespace

int main(int argc, char** argv) {
  Arguments arguments;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if ((flag == "--scenario" || flag == "--port-file") && i + 1 < argc) {
      (flag == "--scenario" ? arguments.scenarioFile : arguments.portFile) = argv[++i];
    } else if (flag == "--help" || flag == "-h") {
      usage("a simulator of Genesys Cloud orgs and ServiceNow for evalbridge");
      return 0;
    } else {
      return usage("unexpected argument '" + flag + "'");
    }
  }

  // Block the stop signals before any server thread exists, so every thread inherits the mask
  // and only sigwait() below receives them.
  const evalbridge::TerminationSignals stopSignals;

  try {
    evalbridge::sim::SimulatorOptions options =
        arguments.scenarioFile.empty() ? evalbridge::sim::defaultScenario() : loadScenario(arguments.scenarioFile);
    evalbridge::sim::Simulator simulator(std::move(options));
    simulator.start();
    std::ostringstream line;
    simulator.stateDocument()->stringify(line);
    if (!arguments.portFile.empty()) writePortFile(arguments.portFile, line.str());
    std::cout << line.str() << std::endl;  // endl: the parent reads this line before we block

    const int received = stopSignals.wait();
    std::cerr << "evalbridge-sim: signal " << received << ", stopping\n";
    simulator.stop();
    return 0;
  } catch (const evalbridge::ConfigError& e) {
    std::cerr << "evalbridge-sim: " << e.message() << "\n";
    return 2;
  } catch (const Poco::Exception& e) {
    std::cerr << "evalbridge-sim: " << e.displayText() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "evalbridge-sim: " << e.what() << "\n";
    return 1;
  }
}
