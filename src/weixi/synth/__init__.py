"""The synthetic operator: a Shandong-like province written in weixi's import schema."""

from weixi.synth.generate import TableSummary, generate
from weixi.synth.world import SynthConfig
from weixi.synth.writer import FileFormat

__all__ = ["FileFormat", "SynthConfig", "TableSummary", "generate"]
