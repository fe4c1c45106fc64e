// The Tensor handle class and the helpers every op file uses.
#include <cmath>
#include <cstring>
#include <sstream>

#include "common.h"

namespace seal {

std::atomic<int64_t> g_live{0};
Napi::FunctionReference* g_tensor_ctor = nullptr;
// The addon's own class: every tensor is an instance of it, whatever subclass made it.
static Napi::FunctionReference* g_base_ctor = nullptr;

// TensorWrap::New hands the tensor to the constructor through this slot, so creating a
// handle costs one JS construction and no extra allocation.
static at::Tensor g_pending;
static bool g_has_pending = false;

static int64_t nbytes(const at::Tensor& t) {
  return t.defined() ? static_cast<int64_t>(t.numel()) * static_cast<int64_t>(t.element_size()) : 0;
}

void TensorWrap::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function cls = DefineClass(env, "NativeTensor", {
      InstanceMethod<&TensorWrap::Dispose>("dispose"),
      InstanceAccessor<&TensorWrap::IsDisposed>("isDisposed"),
      InstanceAccessor<&TensorWrap::Shape>("shape"),
      InstanceAccessor<&TensorWrap::Dtype>("dtype"),
      InstanceAccessor<&TensorWrap::DeviceName>("device"),
      InstanceAccessor<&TensorWrap::Numel>("size"),
      InstanceAccessor<&TensorWrap::GetRequiresGrad, &TensorWrap::SetRequiresGrad>("requiresGrad"),
      InstanceAccessor<&TensorWrap::IsLeaf>("isLeaf"),
      InstanceMethod<&TensorWrap::Grad>("_grad"),
      InstanceMethod<&TensorWrap::SetGrad>("_setGrad"),
      InstanceMethod<&TensorWrap::ToArray>("_toArray"),
      InstanceMethod<&TensorWrap::View>("_view"),
      InstanceMethod<&TensorWrap::Item>("item"),
  });
  g_tensor_ctor = new Napi::FunctionReference(Napi::Persistent(cls));
  g_base_ctor = new Napi::FunctionReference(Napi::Persistent(cls));
  exports.Set("NativeTensor", cls);
  exports.Set("setTensorClass", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
    if (!info[0].IsFunction()) throw Napi::TypeError::New(info.Env(), "setTensorClass: expected a constructor");
    g_tensor_ctor->Reset(info[0].As<Napi::Function>(), 1);
    return info.Env().Undefined();
  }));
  exports.Set("liveTensors", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(g_live.load()));
  }));
}

Napi::Value TensorWrap::New(Napi::Env env, at::Tensor t) {
  g_pending = std::move(t);
  g_has_pending = true;
  return g_tensor_ctor->New({});
}

TensorWrap::TensorWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TensorWrap>(info) {
  if (!g_has_pending) {
    throw Napi::TypeError::New(info.Env(),
        "Tensor objects are made by seal's functions (tensor(), zeros(), randn(), ops), not with `new`.");
  }
  tensor = std::move(g_pending);
  g_pending = at::Tensor();
  g_has_pending = false;
  alive = true;
  bytes = nbytes(tensor);
  g_live++;
  if (bytes > 0) Napi::MemoryManagement::AdjustExternalMemory(info.Env(), bytes);
}

TensorWrap::~TensorWrap() {
  if (alive) release(Env());
}

void TensorWrap::release(Napi::Env env) {
  tensor = at::Tensor();
  alive = false;
  g_live--;
  if (bytes > 0) Napi::MemoryManagement::AdjustExternalMemory(env, -bytes);
  bytes = 0;
}

static at::Tensor& self(TensorWrap* w, const Napi::CallbackInfo& info) {
  if (!w->alive) throw Napi::Error::New(info.Env(), "this tensor has been disposed; keep() it or clone() it before its scope ends");
  return w->tensor;
}

Napi::Value TensorWrap::Dispose(const Napi::CallbackInfo& info) {
  if (alive) release(info.Env());
  return info.Env().Undefined();
}
Napi::Value TensorWrap::IsDisposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !alive); }

Napi::Value TensorWrap::Shape(const Napi::CallbackInfo& info) {
  auto& t = self(this, info);
  auto arr = Napi::Array::New(info.Env(), t.dim());
  for (int64_t i = 0; i < t.dim(); i++) arr.Set(static_cast<uint32_t>(i), Napi::Number::New(info.Env(), static_cast<double>(t.size(i))));
  return arr;
}
Napi::Value TensorWrap::Dtype(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), dtypeName(self(this, info).scalar_type()));
}
Napi::Value TensorWrap::DeviceName(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), self(this, info).device().str());
}
Napi::Value TensorWrap::Numel(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(self(this, info).numel()));
}
Napi::Value TensorWrap::GetRequiresGrad(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), self(this, info).requires_grad());
}
void TensorWrap::SetRequiresGrad(const Napi::CallbackInfo& info, const Napi::Value& v) {
  guard(info, "requiresGrad", [&]() {
    self(this, info).set_requires_grad(v.ToBoolean().Value());
    return info.Env().Undefined();
  });
}
Napi::Value TensorWrap::IsLeaf(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), self(this, info).is_leaf());
}
Napi::Value TensorWrap::Grad(const Napi::CallbackInfo& info) {
  const auto& g = self(this, info).grad();
  return g.defined() ? W(info.Env(), g) : info.Env().Null();
}
Napi::Value TensorWrap::SetGrad(const Napi::CallbackInfo& info) {
  return guard(info, "setGrad", [&]() {
    auto& t = self(this, info);
    if (info[0].IsNull() || info[0].IsUndefined()) t.mutable_grad().reset();
    else t.mutable_grad() = T(info, 0);
    return info.Env().Undefined();
  });
}

static Napi::Value typedArray(Napi::Env env, at::ScalarType st, Napi::ArrayBuffer buf, size_t n) {
  switch (st) {
    case at::kFloat: return Napi::Float32Array::New(env, n, buf, 0);
    case at::kDouble: return Napi::Float64Array::New(env, n, buf, 0);
    case at::kLong: return Napi::TypedArrayOf<int64_t>::New(env, n, buf, 0, napi_bigint64_array);
    case at::kInt: return Napi::Int32Array::New(env, n, buf, 0);
    case at::kShort: return Napi::Int16Array::New(env, n, buf, 0);
    case at::kChar: return Napi::Int8Array::New(env, n, buf, 0);
    case at::kByte:
    case at::kBool: return Napi::Uint8Array::New(env, n, buf, 0);
    default: throw Napi::TypeError::New(env, "no typed array for dtype " + dtypeName(st));
  }
}

// Copy to a fresh JS-owned typed array (half precision types are widened to float32).
Napi::Value TensorWrap::ToArray(const Napi::CallbackInfo& info) {
  return guard(info, "toArray", [&]() {
    at::Tensor t = self(this, info).detach();
    g_host_reads++;
    if (t.scalar_type() == at::kHalf || t.scalar_type() == at::kBFloat16) t = t.to(at::kFloat);
    t = t.to(at::kCPU).contiguous();
    size_t n = static_cast<size_t>(t.numel());
    auto buf = Napi::ArrayBuffer::New(info.Env(), n * t.element_size());
    if (n > 0) std::memcpy(buf.Data(), t.data_ptr(), n * t.element_size());
    return typedArray(info.Env(), t.scalar_type(), buf, n);
  });
}

// Zero-copy typed array over a contiguous CPU tensor's memory. The array keeps the storage
// alive until V8 collects it, so it stays valid after the tensor handle is disposed.
Napi::Value TensorWrap::View(const Napi::CallbackInfo& info) {
  return guard(info, "view", [&]() {
    at::Tensor& t = self(this, info);
    if (!t.device().is_cpu() || !t.is_contiguous()) {
      throw Napi::Error::New(info.Env(), "a zero-copy view needs a contiguous CPU tensor, got " + describe(t) +
          (t.is_contiguous() ? "" : " (not contiguous)") + "; hint: use toArray(), or contiguous()/to('cpu') first");
    }
    auto* keep = new at::Tensor(t.detach());
    size_t n = static_cast<size_t>(t.numel());
    auto buf = Napi::ArrayBuffer::New(info.Env(), keep->data_ptr(), n * t.element_size(),
                                      [](Napi::Env, void*, at::Tensor* k) { delete k; }, keep);
    return typedArray(info.Env(), t.scalar_type(), buf, n);
  });
}

Napi::Value TensorWrap::Item(const Napi::CallbackInfo& info) {
  return guard(info, "item", [&]() {
    auto& t = self(this, info);
    if (t.numel() != 1) throw Napi::Error::New(info.Env(), "item() needs a tensor with one element, got " + describe(t));
    g_host_reads++;
    return Napi::Number::New(info.Env(), t.item<double>());
  });
}

// ---- argument helpers ----

bool isTensor(const Napi::Value& v) {
  return v.IsObject() && v.As<Napi::Object>().InstanceOf(g_base_ctor->Value());
}

static std::string kindOf(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsNumber()) return "number";
  if (v.IsString()) return "string";
  if (v.IsBoolean()) return "boolean";
  if (v.IsArray()) return "array";
  return "object";
}

at::Tensor& T(const Napi::CallbackInfo& info, size_t i) {
  Napi::Value v = info[i];
  if (!isTensor(v)) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + ": expected a Tensor, got " + kindOf(v));
  TensorWrap* w = TensorWrap::Unwrap(v.As<Napi::Object>());
  if (!w->alive) throw Napi::Error::New(info.Env(), "argument " + std::to_string(i) + " is a disposed tensor; keep() it or clone() it before its scope ends");
  return w->tensor;
}

c10::optional<at::Tensor> optT(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsNull() || info[i].IsUndefined()) return c10::nullopt;
  return T(info, i);
}

std::vector<at::Tensor> tensors(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsArray()) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + ": expected an array of Tensors, got " + kindOf(info[i]));
  auto arr = info[i].As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); k++) {
    Napi::Value v = arr.Get(k);
    TensorWrap* w = isTensor(v) ? TensorWrap::Unwrap(v.As<Napi::Object>()) : nullptr;
    if (w == nullptr || !w->alive) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + "[" + std::to_string(k) + "]: expected a live Tensor");
    out.push_back(w->tensor);
  }
  return out;
}

std::vector<int64_t> ints(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsNumber()) return {info[i].As<Napi::Number>().Int64Value()};
  if (!info[i].IsArray()) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + ": expected an array of integers, got " + kindOf(info[i]));
  auto arr = info[i].As<Napi::Array>();
  std::vector<int64_t> out(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); k++) {
    Napi::Value v = arr.Get(k);
    if (!v.IsNumber()) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + "[" + std::to_string(k) + "]: expected an integer, got " + kindOf(v));
    out[k] = v.As<Napi::Number>().Int64Value();
  }
  return out;
}

c10::optional<std::vector<int64_t>> optInts(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsNull() || info[i].IsUndefined()) return c10::nullopt;
  return ints(info, i);
}

int64_t i64(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + ": expected an integer, got " + kindOf(info[i]));
  return info[i].As<Napi::Number>().Int64Value();
}

double f64(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + ": expected a number, got " + kindOf(info[i]));
  return info[i].As<Napi::Number>().DoubleValue();
}

// A JS number that holds an integer becomes an integer Scalar, so an integer tensor stays one
// (arange(3).add(-1) is int64, as in PyTorch); -0.0 stays a float, the one integral value
// whose sign an integer cannot carry.
at::Scalar scalar(const Napi::CallbackInfo& info, size_t i) {
  double v = f64(info, i);
  const bool negativeZero = v == 0.0 && std::signbit(v);
  if (std::nearbyint(v) == v && !negativeZero && std::fabs(v) < 9.0e15) return at::Scalar(static_cast<int64_t>(v));
  return at::Scalar(v);
}

c10::optional<double> optF64(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsNull() || info[i].IsUndefined()) return c10::nullopt;
  return f64(info, i);
}

bool flag(const Napi::CallbackInfo& info, size_t i) { return info[i].ToBoolean().Value(); }

std::string str(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsString()) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + ": expected a string, got " + kindOf(info[i]));
  return info[i].As<Napi::String>().Utf8Value();
}

at::ScalarType parseDtype(const std::string& n) {
  if (n == "float32" || n == "float") return at::kFloat;
  if (n == "float64" || n == "double") return at::kDouble;
  if (n == "float16" || n == "half") return at::kHalf;
  if (n == "bfloat16") return at::kBFloat16;
  if (n == "int64" || n == "long") return at::kLong;
  if (n == "int32" || n == "int") return at::kInt;
  if (n == "int16") return at::kShort;
  if (n == "int8") return at::kChar;
  if (n == "uint8") return at::kByte;
  if (n == "bool") return at::kBool;
  throw std::invalid_argument("unknown dtype '" + n + "'; expected one of float32, float64, float16, bfloat16, int64, int32, int16, int8, uint8, bool");
}

std::string dtypeName(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return "float32";
    case at::kDouble: return "float64";
    case at::kHalf: return "float16";
    case at::kBFloat16: return "bfloat16";
    case at::kLong: return "int64";
    case at::kInt: return "int32";
    case at::kShort: return "int16";
    case at::kChar: return "int8";
    case at::kByte: return "uint8";
    case at::kBool: return "bool";
    default: return c10::toString(t);
  }
}

at::MemoryFormat parseMemoryFormat(const std::string& n) {
  if (n == "contiguous" || n == "nchw") return at::MemoryFormat::Contiguous;
  if (n == "channels_last" || n == "nhwc") return at::MemoryFormat::ChannelsLast;
  if (n == "preserve") return at::MemoryFormat::Preserve;
  throw std::invalid_argument("unknown memory format '" + n + "'; expected 'contiguous', 'channels_last' or 'preserve'");
}

std::string memoryFormatName(at::MemoryFormat f) {
  switch (f) {
    case at::MemoryFormat::Contiguous: return "contiguous";
    case at::MemoryFormat::ChannelsLast: return "channels_last";
    case at::MemoryFormat::ChannelsLast3d: return "channels_last_3d";
    default: return "preserve";
  }
}

c10::Device parseDevice(const std::string& name) {
  c10::Device d(at::kCPU);
  try {
    d = c10::Device(name);
  } catch (const c10::Error&) {
    throw std::invalid_argument("unknown device '" + name + "'; expected 'cpu', 'cuda' or 'cuda:N'");
  }
  if (d.is_cuda()) {
    if (!torch::cuda::is_available()) {
      throw std::invalid_argument("device '" + name + "' was requested, but this libtorch has no usable CUDA (" +
          std::string(SEAL_LIBTORCH_CUDA ? "built with CUDA, but no GPU or driver was found" : "it is a CPU-only build") +
          "); hint: use device 'cpu', or rebuild seal against a CUDA libtorch: LIBTORCH=/path/to/libtorch npm run build");
    }
    int64_t n = static_cast<int64_t>(torch::cuda::device_count());
    if (d.has_index() && d.index() >= n) {
      throw std::invalid_argument("device '" + name + "' does not exist; this machine has " + std::to_string(n) + " CUDA device(s)");
    }
  } else if (!d.is_cpu()) {
    throw std::invalid_argument("device '" + name + "' is not supported; expected 'cpu', 'cuda' or 'cuda:N'");
  }
  return d;
}

at::TensorOptions options(const Napi::CallbackInfo& info, size_t dtypeIdx, size_t deviceIdx) {
  at::TensorOptions o = at::TensorOptions().dtype(at::kFloat);
  if (info[dtypeIdx].IsString()) o = o.dtype(parseDtype(str(info, dtypeIdx)));
  if (info[deviceIdx].IsString()) o = o.device(parseDevice(str(info, deviceIdx)));
  return o;
}

std::string describe(const at::Tensor& t) {
  if (!t.defined()) return "undefined";
  std::ostringstream s;
  s << dtypeName(t.scalar_type()) << "[";
  for (int64_t i = 0; i < t.dim(); i++) s << (i ? "," : "") << t.size(i);
  s << "]";
  if (!t.device().is_cpu()) s << "@" << t.device().str();
  return s.str();
}

Napi::Value W(Napi::Env env, at::Tensor t) { return TensorWrap::New(env, std::move(t)); }

Napi::Value Ws(Napi::Env env, const std::vector<at::Tensor>& ts) {
  auto arr = Napi::Array::New(env, ts.size());
  for (size_t i = 0; i < ts.size(); i++) arr.Set(static_cast<uint32_t>(i), ts[i].defined() ? W(env, ts[i]) : env.Null());
  return arr;
}

static std::string describeArg(const Napi::Value& v, int depth = 0) {
  if (isTensor(v)) {
    TensorWrap* w = TensorWrap::Unwrap(v.As<Napi::Object>());
    return w->alive ? describe(w->tensor) : "disposed";
  }
  if (v.IsTypedArray()) return "TypedArray(" + std::to_string(v.As<Napi::TypedArray>().ElementLength()) + ")";
  if (v.IsArray() && depth == 0) {
    auto arr = v.As<Napi::Array>();
    std::string s = "[";
    for (uint32_t k = 0; k < arr.Length() && k < 8; k++) s += (k ? "," : "") + describeArg(arr.Get(k), 1);
    if (arr.Length() > 8) s += ",…";
    return s + "]";
  }
  if (v.IsNumber()) {
    std::ostringstream s;
    s << v.As<Napi::Number>().DoubleValue();
    return s.str();
  }
  if (v.IsString()) return "'" + v.As<Napi::String>().Utf8Value() + "'";
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? "true" : "false";
  if (v.IsNull() || v.IsUndefined()) return "null";
  return "{…}";
}

static std::string header(const Napi::CallbackInfo& info, const char* op) {
  std::string s = std::string(op) + "(";
  size_t n = info.Length();
  while (n > 0 && (info[n - 1].IsUndefined())) n--;
  for (size_t i = 0; i < n; i++) s += (i ? ", " : "") + describeArg(info[i]);
  return s + ")";
}

static std::string trim(std::string m) {
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

Napi::Value guard(const Napi::CallbackInfo& info, const char* op, const std::function<Napi::Value()>& body) {
  try {
    return body();
  } catch (const Napi::Error& e) {
    throw Napi::Error::New(info.Env(), header(info, op) + ": " + e.Message());
  } catch (const c10::Error& e) {
    throw Napi::Error::New(info.Env(), header(info, op) + ": " + trim(e.what_without_backtrace()));
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), header(info, op) + ": " + trim(e.what()));
  }
}

}  // namespace seal
