// Which thread may use a stream. MLX ties a stream from new_stream to the thread
// that made it (using it elsewhere raises); thread-local and "thread-unsafe"
// streams, and the default streams, may be used from any thread.
#pragma once

#include "engine/device.h"

namespace lumex::core {

/// A new stream usable from every thread.
Stream new_shared_stream(Device d);

/// Forgets the streams the calling thread made (later use raises).
void clear_thread_streams();

}  // namespace lumex::core
