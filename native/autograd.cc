// Autograd entry points: backward, grad (with create_graph for double backward), grad mode.
#include "common.h"

namespace seal {

// backward(t, gradient|null, retainGraph, createGraph)
SEAL_OP(Backward, "backward") {
  at::Tensor& t = T(info, 0);
  auto g = optT(info, 1);
  t.backward(g ? *g : at::Tensor(), flag(info, 2), flag(info, 3));
  return info.Env().Undefined();
}

// grad(outputs[], inputs[], gradOutputs[]|null, retainGraph, createGraph, allowUnused)
// Returns one gradient per input (null where unused and allowUnused).
SEAL_OP(Grad, "grad") {
  auto outputs = tensors(info, 0);
  auto inputs = tensors(info, 1);
  std::vector<at::Tensor> gradOutputs;
  if (info[2].IsArray()) gradOutputs = tensors(info, 2);
  c10::optional<bool> retain;
  if (info[3].IsBoolean()) retain = flag(info, 3);
  auto grads = torch::autograd::grad(outputs, inputs, gradOutputs, retain, flag(info, 4), flag(info, 5));
  return Ws(info.Env(), grads);
}

SEAL_OP(SetGradEnabled, "setGradEnabled") {
  bool prev = at::GradMode::is_enabled();
  at::GradMode::set_enabled(flag(info, 0));
  return Napi::Boolean::New(info.Env(), prev);
}
SEAL_OP(IsGradEnabled, "isGradEnabled") { return Napi::Boolean::New(info.Env(), at::GradMode::is_enabled()); }

void RegisterAutograd(Napi::Env env, Napi::Object exports) {
  SEAL_EXPORT(exports, "backward", Backward);
  SEAL_EXPORT(exports, "grad", Grad);
  SEAL_EXPORT(exports, "setGradEnabled", SetGradEnabled);
  SEAL_EXPORT(exports, "isGradEnabled", IsGradEnabled);
}

}  // namespace seal
