// Tensor creation: from typed arrays, constant fills, ranges and seeded random draws.
#include <ATen/CPUGeneratorImpl.h>

#include <cstring>

#include "common.h"

namespace seal {

// A seeded CPU generator. Random tensors for other devices are drawn on the CPU and moved,
// so a seed gives the same numbers on every device.
class GeneratorWrap : public Napi::ObjectWrap<GeneratorWrap> {
 public:
  static Napi::FunctionReference* ctor;
  at::Generator gen;

  explicit GeneratorWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<GeneratorWrap>(info) {
    gen = at::make_generator<at::CPUGeneratorImpl>();
    if (info[0].IsNumber()) gen.set_current_seed(static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value()));
  }
  Napi::Value ManualSeed(const Napi::CallbackInfo& info) {
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_current_seed(static_cast<uint64_t>(i64(info, 0)));
    return info.Env().Undefined();
  }
  Napi::Value Seed(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(gen.current_seed()));
  }
  Napi::Value GetState(const Napi::CallbackInfo& info) {
    std::lock_guard<std::mutex> lock(gen.mutex());
    at::Tensor s = gen.get_state();
    auto out = Napi::Uint8Array::New(info.Env(), static_cast<size_t>(s.numel()));
    std::memcpy(out.Data(), s.data_ptr(), static_cast<size_t>(s.numel()));
    return out;
  }
  Napi::Value SetState(const Napi::CallbackInfo& info) {
    return guard(info, "Generator.setState", [&]() {
      if (!info[0].IsTypedArray()) throw Napi::TypeError::New(info.Env(), "expected a Uint8Array from getState()");
      auto arr = info[0].As<Napi::Uint8Array>();
      at::Tensor s = at::empty({static_cast<int64_t>(arr.ElementLength())}, at::kByte);
      std::memcpy(s.data_ptr(), arr.Data(), arr.ElementLength());
      std::lock_guard<std::mutex> lock(gen.mutex());
      gen.set_state(s);
      return info.Env().Undefined();
    });
  }
  static void Init(Napi::Env env, Napi::Object exports) {
    Napi::Function cls = DefineClass(env, "Generator", {
        InstanceMethod<&GeneratorWrap::ManualSeed>("manualSeed"),
        InstanceAccessor<&GeneratorWrap::Seed>("seed"),
        InstanceMethod<&GeneratorWrap::GetState>("getState"),
        InstanceMethod<&GeneratorWrap::SetState>("setState"),
    });
    ctor = new Napi::FunctionReference(Napi::Persistent(cls));
    exports.Set("Generator", cls);
  }
};
Napi::FunctionReference* GeneratorWrap::ctor = nullptr;

static at::Generator gen(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsNull() || info[i].IsUndefined()) return at::detail::getDefaultCPUGenerator();
  if (!info[i].IsObject() || !info[i].As<Napi::Object>().InstanceOf(GeneratorWrap::ctor->Value())) {
    throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + ": expected a Generator");
  }
  return GeneratorWrap::Unwrap(info[i].As<Napi::Object>())->gen;
}

// Draws happen on the CPU in float32/float64 and are then cast and moved.
static at::Tensor onDevice(at::Tensor t, const at::TensorOptions& o) {
  return t.to(o.device(), o.dtype().toScalarType());
}
static at::TensorOptions cpuOf(const at::TensorOptions& o) {
  auto st = o.dtype().toScalarType();
  return at::TensorOptions().dtype(st == at::kDouble ? at::kDouble : at::kFloat);
}

// fromTypedArray(array, shape, dtype?, device?): copies the array.
SEAL_OP(FromTypedArray, "tensor") {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray()) throw Napi::TypeError::New(env, "argument 0: expected a typed array");
  auto ta = info[0].As<Napi::TypedArray>();
  at::ScalarType st;
  switch (ta.TypedArrayType()) {
    case napi_float32_array: st = at::kFloat; break;
    case napi_float64_array: st = at::kDouble; break;
    case napi_bigint64_array: st = at::kLong; break;
    case napi_int32_array: st = at::kInt; break;
    case napi_int16_array: st = at::kShort; break;
    case napi_int8_array: st = at::kChar; break;
    case napi_uint8_array:
    case napi_uint8_clamped_array: st = at::kByte; break;
    default: throw Napi::TypeError::New(env, "argument 0: unsupported typed array type");
  }
  auto shape = ints(info, 1);
  int64_t n = 1;
  for (auto d : shape) n *= d;
  if (n != static_cast<int64_t>(ta.ElementLength())) {
    throw Napi::Error::New(env, "shape " + c10::str(c10::IntArrayRef(shape)) + " needs " + std::to_string(n) +
        " elements, but the array has " + std::to_string(ta.ElementLength()));
  }
  at::Tensor t = at::empty(shape, at::TensorOptions().dtype(st));
  if (n > 0) {
    auto* src = static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
    std::memcpy(t.data_ptr(), src, static_cast<size_t>(n) * t.element_size());
  }
  at::TensorOptions o = at::TensorOptions().dtype(st);
  if (info[2].IsString()) o = o.dtype(parseDtype(str(info, 2)));
  if (info[3].IsString()) o = o.device(parseDevice(str(info, 3)));
  if (o.dtype().toScalarType() != st || !o.device().is_cpu()) t = t.to(o.device(), o.dtype().toScalarType());
  return W(env, t);
}

// empty/zeros/ones(shape, dtype?, device?)
SEAL_OP(Empty, "empty") { return W(info.Env(), at::empty(ints(info, 0), options(info, 1, 2))); }
SEAL_OP(Zeros, "zeros") { return W(info.Env(), at::zeros(ints(info, 0), options(info, 1, 2))); }
SEAL_OP(Ones, "ones") { return W(info.Env(), at::ones(ints(info, 0), options(info, 1, 2))); }
// full(shape, value, dtype?, device?)
SEAL_OP(Full, "full") { return W(info.Env(), at::full(ints(info, 0), f64(info, 1), options(info, 2, 3))); }
// arange(start, end, step, dtype?, device?)
SEAL_OP(Arange, "arange") {
  auto o = options(info, 3, 4);
  if (!info[3].IsString()) o = o.dtype(at::kLong);
  return W(info.Env(), at::arange(f64(info, 0), f64(info, 1), f64(info, 2), o));
}
// rand/randn(shape, generator?, dtype?, device?)
SEAL_OP(Rand, "rand") {
  auto o = options(info, 2, 3);
  return W(info.Env(), onDevice(at::rand(ints(info, 0), gen(info, 1), cpuOf(o)), o));
}
SEAL_OP(Randn, "randn") {
  auto o = options(info, 2, 3);
  return W(info.Env(), onDevice(at::randn(ints(info, 0), gen(info, 1), cpuOf(o)), o));
}
// uniform(shape, low, high, generator?, dtype?, device?)
SEAL_OP(Uniform, "uniform") {
  auto o = options(info, 4, 5);
  at::Tensor t = at::empty(ints(info, 0), cpuOf(o));
  t.uniform_(f64(info, 1), f64(info, 2), gen(info, 3));
  return W(info.Env(), onDevice(t, o));
}
// normal(shape, mean, std, generator?, dtype?, device?)
SEAL_OP(Normal, "normal") {
  auto o = options(info, 4, 5);
  at::Tensor t = at::empty(ints(info, 0), cpuOf(o));
  t.normal_(f64(info, 1), f64(info, 2), gen(info, 3));
  return W(info.Env(), onDevice(t, o));
}
// randint(low, high, shape, generator?, device?) -> int64
SEAL_OP(Randint, "randint") {
  at::Tensor t = at::randint(i64(info, 0), i64(info, 1), ints(info, 2), gen(info, 3), at::TensorOptions().dtype(at::kLong));
  if (info[4].IsString()) t = t.to(parseDevice(str(info, 4)));
  return W(info.Env(), t);
}
// randperm(n, generator?, device?) -> int64
SEAL_OP(Randperm, "randperm") {
  at::Tensor t = at::randperm(i64(info, 0), gen(info, 1), at::TensorOptions().dtype(at::kLong));
  if (info[2].IsString()) t = t.to(parseDevice(str(info, 2)));
  return W(info.Env(), t);
}
// Seeds the default generator that every draw without an explicit generator uses.
SEAL_OP(ManualSeed, "manualSeed") {
  auto g = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(g.mutex());
  g.set_current_seed(static_cast<uint64_t>(i64(info, 0)));
  return info.Env().Undefined();
}

void RegisterCreation(Napi::Env env, Napi::Object exports) {
  GeneratorWrap::Init(env, exports);
  SEAL_EXPORT(exports, "fromTypedArray", FromTypedArray);
  SEAL_EXPORT(exports, "empty", Empty);
  SEAL_EXPORT(exports, "zeros", Zeros);
  SEAL_EXPORT(exports, "ones", Ones);
  SEAL_EXPORT(exports, "full", Full);
  SEAL_EXPORT(exports, "arange", Arange);
  SEAL_EXPORT(exports, "rand", Rand);
  SEAL_EXPORT(exports, "randn", Randn);
  SEAL_EXPORT(exports, "uniform", Uniform);
  SEAL_EXPORT(exports, "normal", Normal);
  SEAL_EXPORT(exports, "randint", Randint);
  SEAL_EXPORT(exports, "randperm", Randperm);
  SEAL_EXPORT(exports, "manualSeed", ManualSeed);
}

}  // namespace seal
