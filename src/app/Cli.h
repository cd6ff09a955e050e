#pragma once
// The evalbridge executable's whole behaviour; main() only calls this.
namespace evalbridge {

int runCli(int argc, const char* const argv[]);

}  // namespace evalbridge
