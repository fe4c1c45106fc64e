{
  "targets": [
    {
      "target_name": "seal",
      "sources": [
        "native/addon.cc",
        "native/tensor.cc",
        "native/creation.cc",
        "native/ops.cc",
        "native/nn.cc",
        "native/autograd.cc",
        "native/allocator.cc",
        "native/conv_hessian.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node scripts/libtorch-config.cjs includes)"
      ],
      "defines": [
        "NAPI_CPP_EXCEPTIONS",
        "NAPI_EXPERIMENTAL",
        "<!@(node scripts/libtorch-config.cjs defines)"
      ],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++14", "-std=gnu++20"],
      "cflags_cc": ["<!@(node scripts/libtorch-config.cjs std)", "-fexceptions", "-frtti", "-O2", "-Wno-unused-parameter", "-Wno-deprecated-declarations"],
      "libraries": ["<!@(node scripts/libtorch-config.cjs libraries)"]
    }
  ]
}
