"""A small PyTorch training script for the sample MLP (mlp.onnx), to read with the glossary hovers.

Hover over ReLU, LeakyReLU, GELU or "dying ReLU" below to see what they mean.
"""
import torch
from torch import nn


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        # ReLU hidden layers; a unit whose pre-activation stays negative is a dying ReLU.
        self.layers = nn.Sequential(
            nn.Linear(64, 32), nn.ReLU(),
            nn.Linear(32, 16), nn.ReLU(),
            nn.Linear(16, 4), nn.Sigmoid(),
        )

    def forward(self, x):
        return self.layers(x)


def variant_with_leaky_relu():
    # LeakyReLU keeps a small slope for negative inputs, so units cannot die; GELU and SiLU are smooth options.
    return nn.Sequential(nn.Linear(64, 32), nn.LeakyReLU(0.01), nn.Linear(32, 16), nn.GELU(), nn.Linear(16, 4), nn.Sigmoid())


if __name__ == "__main__":
    model = MLP()
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = torch.randn(256, 64), torch.rand(256, 4)
    for step in range(100):
        loss = nn.functional.binary_cross_entropy(model(x), y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    torch.onnx.export(model, torch.randn(1, 64), "mlp_trained.onnx", input_names=["features"], output_names=["scores"],
                      dynamic_axes={"features": {0: "batch"}, "scores": {0: "batch"}})
