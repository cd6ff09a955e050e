// Thin main: everything lives in evalbridge_core (src/app/Cli.cpp).
#include "app/Cli.h"

int main(int argc, char** argv) { return evalbridge::runCli(argc, argv); }
