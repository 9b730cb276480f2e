#include "common.h"
#include "engine/graph_lock.h"

namespace {
// A thread waiting for another's evaluation must not hold the GIL: that
// evaluation may need it before it can finish.
void wait_without_gil(void (*wait)()) {
  if (PyGILState_Check()) {
    nb::gil_scoped_release release;
    wait();
  } else {
    wait();
  }
}
}  // namespace

NB_MODULE(core, m) {
  lx::set_graph_wait_hook(&wait_without_gil);
  m.doc() = "lumex.core: the lazy array engine (the mlx.core API).";
  init_dtype(m);
  init_device(m);
  init_array(m);
  init_ops_creation(m);
  init_ops_elementwise(m);
  init_ops_shape(m);
  init_ops_reduce(m);
  init_ops_linalg(m);
  init_ops_conv(m);
  init_indexing(m);
  init_ops_sort(m);
  init_memory(m);
  init_transforms(m);
  init_eval(m);
  init_dlpack(m);
  init_printing(m);
  init_random(m);
  init_fft(m);
  init_linalg(m);
  init_io(m);
  init_graph(m);
  init_backends(m);
  init_distributed(m);
  init_fast(m);
  init_quantized(m);
  init_export(m);
}
