"""howl_torch: a PyTorch twin of Howl's networks (see python/README.md).

The same networks as Howl's TypeScript (`src/model/`), built from the same `config.json`, reading and
writing the same `model.safetensors` folders, scoring a batch of V1 crops with the same loss (within
1e-4 nats per note; tested against Howl in python/tests/test_twin_equality.py).

    from howl_torch import load_model, make_batch, save_model
    config, model = load_model("export/default")      # howl export --format safetensors -o export/default
    loss = model.loss(make_batch(config, crops))     # crops: [rows, 4] arrays of V1 rows
    save_model("export/mine", config, model)         # howl generate --model export/mine
"""
from .config import MODEL_PRESETS, ConfigError, preset_config, read_config, validate_model_config, weight_layout
from .features import BatchError, batch_to, make_batch
from .models import HowlModel, WeightError, build_model
from .safetensors_io import SafetensorsError, load_model, read_safetensors, save_model

__all__ = [
    "MODEL_PRESETS",
    "BatchError",
    "ConfigError",
    "HowlModel",
    "SafetensorsError",
    "WeightError",
    "batch_to",
    "build_model",
    "load_model",
    "make_batch",
    "preset_config",
    "read_config",
    "read_safetensors",
    "save_model",
    "validate_model_config",
    "weight_layout",
]
