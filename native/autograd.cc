// Autograd entry points: backward, grad (with create_graph for double backward), grad mode,
// autocast (mixed precision).
#include <ATen/autocast_mode.h>
#include <torch/version.h>

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

// libtorch 2.4 made autocast's state per device type (set_autocast_enabled(kCUDA, on), ...) and
// deprecated the older per-device calls that 1.13 has; each release gets the calls it has.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
static bool autocastEnabled(bool cuda) { return at::autocast::is_autocast_enabled(cuda ? at::kCUDA : at::kCPU); }
static at::ScalarType autocastDtype(bool cuda) { return at::autocast::get_autocast_dtype(cuda ? at::kCUDA : at::kCPU); }
static void setAutocast(bool cuda, bool on, at::ScalarType dtype) {
  at::autocast::set_autocast_enabled(cuda ? at::kCUDA : at::kCPU, on);
  at::autocast::set_autocast_dtype(cuda ? at::kCUDA : at::kCPU, dtype);
}
#else
static bool autocastEnabled(bool cuda) { return cuda ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled(); }
static at::ScalarType autocastDtype(bool cuda) {
  return cuda ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
}
static void setAutocast(bool cuda, bool on, at::ScalarType dtype) {
  if (cuda) {
    at::autocast::set_enabled(on);
    at::autocast::set_autocast_gpu_dtype(dtype);
  } else {
    at::autocast::set_cpu_enabled(on);
    at::autocast::set_autocast_cpu_dtype(dtype);
  }
}
#endif

// autocastEnter(device 'cpu'|'cuda', dtype): as entering torch.autocast(device, dtype); returns
// the previous [enabled, dtype] for autocastExit.
SEAL_OP(AutocastEnter, "autocastEnter") {
  Napi::Env env = info.Env();
  bool cuda = str(info, 0) == "cuda";
  auto prev = Napi::Array::New(env, 2);
  prev.Set(0u, Napi::Boolean::New(env, autocastEnabled(cuda)));
  prev.Set(1u, Napi::String::New(env, dtypeName(autocastDtype(cuda))));
  setAutocast(cuda, true, parseDtype(str(info, 1)));
  at::autocast::increment_nesting();
  return prev;
}
// autocastExit(device, prevEnabled, prevDtype): puts the state back; leaving the outermost
// region drops the cache of casted weights, as torch.autocast does.
SEAL_OP(AutocastExit, "autocastExit") {
  setAutocast(str(info, 0) == "cuda", flag(info, 1), parseDtype(str(info, 2)));
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  return info.Env().Undefined();
}

void RegisterAutograd(Napi::Env env, Napi::Object exports) {
  SEAL_EXPORT(exports, "backward", Backward);
  SEAL_EXPORT(exports, "grad", Grad);
  SEAL_EXPORT(exports, "setGradEnabled", SetGradEnabled);
  SEAL_EXPORT(exports, "isGradEnabled", IsGradEnabled);
  SEAL_EXPORT(exports, "autocastEnter", AutocastEnter);
  SEAL_EXPORT(exports, "autocastExit", AutocastExit);
}

}  // namespace seal
