"""`lenet bench`: the engine's speed on this machine (`measure`), and the same LeNet-5 in
PyTorch side by side (`torch_reference`, an optional extra run in its own process)."""
