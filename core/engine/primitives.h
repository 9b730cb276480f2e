// Every primitive of the engine, by family. See primitives/base.h for the interface.
#pragma once

#include "engine/primitives/base.h"
#include "engine/primitives/conv.h"
#include "engine/primitives/custom.h"
#include "engine/primitives/depends.h"
#include "engine/primitives/elementwise.h"
#include "engine/primitives/fast.h"
#include "engine/primitives/fused.h"
#include "engine/primitives/matmul.h"
#include "engine/primitives/fft.h"
#include "engine/primitives/linalg_lapack.h"
#include "engine/primitives/quantized.h"
#include "engine/primitives/random.h"
#include "engine/primitives/reduce.h"
#include "engine/primitives/shape.h"
#include "engine/primitives/indexing.h"
#include "engine/primitives/sort.h"
