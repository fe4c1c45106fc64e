// Module entry: registers every op and sets libtorch's thread count to the machine's cores.
#include <torch/version.h>

#include <dlfcn.h>

#include <cstdlib>
#include <thread>

#include "common.h"

namespace seal {

SEAL_OP(SetNumThreads, "setNumThreads") {
  int64_t n = i64(info, 0);
  if (n < 1) throw std::invalid_argument("thread count must be at least 1, got " + std::to_string(n));
  at::set_num_threads(static_cast<int>(n));
  return info.Env().Undefined();
}
SEAL_OP(GetNumThreads, "getNumThreads") { return Napi::Number::New(info.Env(), at::get_num_threads()); }

SEAL_OP(Info, "info") {
  Napi::Env env = info.Env();
  auto o = Napi::Object::New(env);
  o.Set("torchVersion", TORCH_VERSION);
  o.Set("builtWithCuda", Napi::Boolean::New(env, SEAL_LIBTORCH_CUDA != 0));
  o.Set("cudaAvailable", Napi::Boolean::New(env, torch::cuda::is_available()));
  o.Set("cudaDevices", Napi::Number::New(env, static_cast<double>(torch::cuda::device_count())));
  o.Set("threads", Napi::Number::New(env, at::get_num_threads()));
  o.Set("parallel", at::get_parallel_info());
  // libtorch does not say which BLAS it got; OpenBLAS does, through symbols that exist only when
  // OpenBLAS is the library the process loaded (null when it is another BLAS, e.g. MKL).
  using NameFn = char* (*)();
  auto corename = reinterpret_cast<NameFn>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  auto config = reinterpret_cast<NameFn>(dlsym(RTLD_DEFAULT, "openblas_get_config"));
  o.Set("blasCore", corename ? Napi::Value(Napi::String::New(env, corename())) : env.Null());
  o.Set("blasConfig", config ? Napi::Value(Napi::String::New(env, config())) : env.Null());
  return o;
}

// Waits for queued GPU work so timings are honest; a no-op on the CPU.
SEAL_OP(Synchronize, "synchronize") {
  if (torch::cuda::is_available()) torch::cuda::synchronize();
  return info.Env().Undefined();
}

// setGpuMath(tf32, deterministic): TF32 for float32 convolutions and matrix products on GPUs
// that have it (cuDNN and cuBLAS), and either deterministic cuDNN algorithms or cuDNN's
// benchmark mode (the fastest algorithm per shape, timed at first use). Process-wide; no effect
// on the CPU.
SEAL_OP(SetGpuMath, "setGpuMath") {
  bool tf32 = flag(info, 0), deterministic = flag(info, 1);
  auto& ctx = at::globalContext();
  ctx.setAllowTF32CuDNN(tf32);
  ctx.setAllowTF32CuBLAS(tf32);
  ctx.setDeterministicCuDNN(deterministic);
  ctx.setBenchmarkCuDNN(!deterministic);
  return info.Env().Undefined();
}
SEAL_OP(GpuMath, "gpuMath") {
  Napi::Env env = info.Env();
  auto& ctx = at::globalContext();
  auto o = Napi::Object::New(env);
  o.Set("tf32Convolutions", Napi::Boolean::New(env, ctx.allowTF32CuDNN()));
  o.Set("tf32Matmul", Napi::Boolean::New(env, ctx.allowTF32CuBLAS()));
  o.Set("deterministic", Napi::Boolean::New(env, ctx.deterministicCuDNN()));
  o.Set("benchmark", Napi::Boolean::New(env, ctx.benchmarkCuDNN()));
  return o;
}

std::atomic<int64_t> g_host_reads{0};
SEAL_OP(HostReads, "hostReads") { return Napi::Number::New(info.Env(), static_cast<double>(g_host_reads.load())); }

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Debian's libtorch starts with one intra-op thread; use every core unless the user chose.
  if (std::getenv("OMP_NUM_THREADS") == nullptr) {
    unsigned n = std::thread::hardware_concurrency();
    if (n > 0) at::set_num_threads(static_cast<int>(n));
  }
  InstallAllocator(env, exports);
  TensorWrap::Init(env, exports);
  RegisterCreation(env, exports);
  RegisterOps(env, exports);
  RegisterNn(env, exports);
  RegisterAutograd(env, exports);
  RegisterConvHessian(env, exports);
  SEAL_EXPORT(exports, "setNumThreads", SetNumThreads);
  SEAL_EXPORT(exports, "getNumThreads", GetNumThreads);
  SEAL_EXPORT(exports, "info", Info);
  SEAL_EXPORT(exports, "synchronize", Synchronize);
  SEAL_EXPORT(exports, "hostReads", HostReads);
  SEAL_EXPORT(exports, "setGpuMath", SetGpuMath);
  SEAL_EXPORT(exports, "gpuMath", GpuMath);
  return exports;
}

}  // namespace seal

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return seal::Init(env, exports); }

NODE_API_MODULE(seal, InitModule)
