"""errorflow's optimizers (notes §7.7–7.9). The optimizer classes arrive with the nn/optim issue."""

__all__: list[str] = []
