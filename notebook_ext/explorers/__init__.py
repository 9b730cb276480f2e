"""Interactive explorers (ipywidgets + matplotlib): gradients and vmap."""

from .gradient import GradientExplorer, gradient_explorer
from .vmap import VmapExplorer, vmap_explorer

__all__ = ["GradientExplorer", "gradient_explorer", "VmapExplorer", "vmap_explorer"]
