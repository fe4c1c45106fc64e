// Shared helpers for the seal addon: the Tensor wrapper, argument unpacking and error translation.
#pragma once
#include <napi.h>
#include <torch/torch.h>

#include <atomic>
#include <string>
#include <vector>

namespace seal {

// JS-visible tensor handle. The TypeScript Tensor class extends this one, so every tensor
// crossing the boundary is exactly one JS object that owns one at::Tensor reference.
class TensorWrap : public Napi::ObjectWrap<TensorWrap> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);
  static Napi::Value New(Napi::Env env, at::Tensor t);
  explicit TensorWrap(const Napi::CallbackInfo& info);
  ~TensorWrap() override;

  at::Tensor tensor;
  bool alive = false;
  int64_t bytes = 0;

  void release(Napi::Env env);

 private:
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  Napi::Value IsDisposed(const Napi::CallbackInfo& info);
  Napi::Value Shape(const Napi::CallbackInfo& info);
  Napi::Value Dtype(const Napi::CallbackInfo& info);
  Napi::Value DeviceName(const Napi::CallbackInfo& info);
  Napi::Value Numel(const Napi::CallbackInfo& info);
  Napi::Value GetRequiresGrad(const Napi::CallbackInfo& info);
  void SetRequiresGrad(const Napi::CallbackInfo& info, const Napi::Value& v);
  Napi::Value Grad(const Napi::CallbackInfo& info);
  Napi::Value SetGrad(const Napi::CallbackInfo& info);
  Napi::Value IsLeaf(const Napi::CallbackInfo& info);
  Napi::Value ToArray(const Napi::CallbackInfo& info);
  Napi::Value View(const Napi::CallbackInfo& info);
  Napi::Value Item(const Napi::CallbackInfo& info);
};

extern std::atomic<int64_t> g_live;
// Reads of tensor values into JS (item, toArray): each one waits for the device's queued work.
extern std::atomic<int64_t> g_host_reads;
extern Napi::FunctionReference* g_tensor_ctor;

// Argument access. Each throws a JS TypeError naming the argument position on a bad value.
at::Tensor& T(const Napi::CallbackInfo& info, size_t i);
c10::optional<at::Tensor> optT(const Napi::CallbackInfo& info, size_t i);
std::vector<at::Tensor> tensors(const Napi::CallbackInfo& info, size_t i);
std::vector<int64_t> ints(const Napi::CallbackInfo& info, size_t i);
c10::optional<std::vector<int64_t>> optInts(const Napi::CallbackInfo& info, size_t i);
int64_t i64(const Napi::CallbackInfo& info, size_t i);
double f64(const Napi::CallbackInfo& info, size_t i);
// A JS number as a Scalar: integral values become int64 so integer tensors stay integer (as in Python).
at::Scalar scalar(const Napi::CallbackInfo& info, size_t i);
c10::optional<double> optF64(const Napi::CallbackInfo& info, size_t i);
bool flag(const Napi::CallbackInfo& info, size_t i);
std::string str(const Napi::CallbackInfo& info, size_t i);
bool isTensor(const Napi::Value& v);

at::ScalarType parseDtype(const std::string& name);
std::string dtypeName(at::ScalarType t);
c10::Device parseDevice(const std::string& name);
// 'contiguous' (NCHW), 'channels_last' (NHWC) or 'preserve'.
at::MemoryFormat parseMemoryFormat(const std::string& name);
std::string memoryFormatName(at::MemoryFormat f);
at::TensorOptions options(const Napi::CallbackInfo& info, size_t dtypeIdx, size_t deviceIdx);
std::string describe(const at::Tensor& t);

Napi::Value W(Napi::Env env, at::Tensor t);
Napi::Value Ws(Napi::Env env, const std::vector<at::Tensor>& ts);

// Runs an op body, turning libtorch and C++ errors into a JS Error that names the op and
// the shapes of its tensor arguments.
Napi::Value guard(const Napi::CallbackInfo& info, const char* op, const std::function<Napi::Value()>& body);

#define SEAL_OP(fn, opname)                                                       \
  static Napi::Value fn##_body(const Napi::CallbackInfo& info);                  \
  static Napi::Value fn(const Napi::CallbackInfo& info) {                        \
    return guard(info, opname, [&]() { return fn##_body(info); });               \
  }                                                                              \
  static Napi::Value fn##_body(const Napi::CallbackInfo& info)

#define SEAL_EXPORT(exports, name, fn) (exports).Set(name, Napi::Function::New(env, fn, name))

void RegisterCreation(Napi::Env env, Napi::Object exports);
void RegisterOps(Napi::Env env, Napi::Object exports);
void RegisterNn(Napi::Env env, Napi::Object exports);
void RegisterAutograd(Napi::Env env, Napi::Object exports);
void RegisterConvHessian(Napi::Env env, Napi::Object exports);

// conv_hessian.cc: whether Hessian code asked for convolutions with oneDNN double backward, and that convolution.
bool hessianConvolutions();
at::Tensor hessianConv2d(const at::Tensor& x, const at::Tensor& w, const c10::optional<at::Tensor>& bias,
                         at::IntArrayRef stride, at::IntArrayRef padding, at::IntArrayRef dilation, int64_t groups);
void InstallAllocator(Napi::Env env, Napi::Object exports);

}  // namespace seal
