#pragma once
// The JSON control endpoint (documented in sim/README.md). It is a thin HTTP layer over the
// Simulator's public methods, so each endpoint is one named function bound into a ControlHandler
// rather than a class of its own; everything it does is equally reachable in-process.
#include <functional>

#include "sim/Router.h"
#include "sim/SimHandler.h"
#include "sim/Simulator.h"

namespace evalbridge::sim {

class ControlHandler : public SimHandler {
 public:
  using Endpoint = void (*)(Simulator&, Exchange&);
  ControlHandler(Simulator& simulator, Endpoint endpoint) : simulator_(simulator), endpoint_(endpoint) {}

 protected:
  void serve(Exchange& exchange) override { endpoint_(simulator_, exchange); }

 private:
  Simulator& simulator_;
  Endpoint endpoint_;
};

void addControlRoutes(Router& router, Simulator& simulator);
// The fallback of the control server (404 {"error": ...}).
SimHandler* makeControlNotFound(Simulator& simulator);

}  // namespace evalbridge::sim
