"""What the console's model page and ``python -m bot.cli model`` do: train, compare, activate, restore."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Dict, List, Optional

from bot.retraining.control import ControlError, ModelControl
from bot.retraining.evaluation import Comparison, compare
from bot.retraining.registry import ModelRegistry, RegistryError
from bot.retraining.training import Trainings
from bot.settings import Settings


class ActivationRefused(ValueError):
    """The gate said no (or there is nothing to activate); the message is for the admin, in Chinese."""

    def __init__(self, message: str, comparison: Optional[Comparison] = None) -> None:
        super().__init__(message)
        self.comparison = comparison


@dataclass(frozen=True)
class Overview:
    serving: Optional[Dict[str, Any]]  # the Rasa server's switch state; None when it does not answer
    unreachable: str  # why not, when serving is None
    recorded: Optional[Dict[str, Any]]  # the last recorded activation (active.json)
    latest: Optional[Dict[str, Any]]  # the latest training
    comparison: Optional[Comparison]  # the latest trained model against the active one
    history: List[Dict[str, Any]]

    @property
    def active(self) -> Optional[str]:
        if self.serving:
            return self.serving.get("active")
        return self.recorded["model"] if self.recorded else None

    @property
    def switching(self) -> Optional[str]:
        return (self.serving or {}).get("loading")

    @property
    def previous(self) -> Optional[str]:
        """The model restore goes back to: the one the active model replaced."""
        if self.recorded and self.recorded.get("model") == self.active:
            return self.recorded.get("previous")
        return None


class RetrainingService:
    def __init__(self, settings: Settings, control: Optional[ModelControl] = None) -> None:
        self.settings = settings
        self.trainings = Trainings(settings)
        self.registry = ModelRegistry(settings.models_dir)
        self.control = control or ModelControl.of(settings)

    def overview(self) -> Overview:
        try:
            serving, unreachable = self.control.status(), ""
        except ControlError as error:
            serving, unreachable = None, str(error)
        latest = self.trainings.latest()
        partial = Overview(serving, unreachable, self.registry.active(), latest, None, self.registry.history()[:10])
        return replace(partial, comparison=self._comparison(latest, partial.active))

    def _comparison(self, training: Optional[Dict[str, Any]], active: Optional[str]) -> Optional[Comparison]:
        if not training or training["status"] != "done":
            return None
        candidate = self.trainings.cached_evaluation(training["model"])
        if candidate is None:
            return None
        return compare(self.trainings.cached_evaluation(active), candidate, self.settings.retrain_f1_margin)

    def check(self, model: str, override: bool) -> Comparison:
        """The gate: the comparison that allows ``model`` to replace the active one, else ActivationRefused."""
        self.registry.path_of(model)
        overview = self.overview()
        if overview.serving is None:
            raise ActivationRefused("助手（Rasa）现在联系不上，请确认它在运行（make run）。")
        if overview.switching:
            raise ActivationRefused(f"正在切换到 {overview.switching}，请稍等")
        if model == overview.active:
            raise ActivationRefused("这个模型已经在使用中了")
        candidate = self.trainings.cached_evaluation(model)
        if candidate is None:
            raise ActivationRefused("这个模型还没有评估结果，请先训练（训练会自动评估）")
        active = self.trainings.cached_evaluation(overview.active)
        comparison = compare(active, candidate, self.settings.retrain_f1_margin)
        if override:
            return comparison
        if active is None:
            raise ActivationRefused("当前模型没有评估结果，无法对比；确认无误后可勾选“仍然启用”", comparison)
        if not comparison.passes:
            names = "、".join(row.intent for row in comparison.blocked)
            raise ActivationRefused(f"{names} 的 F1 下降超过 {self.settings.retrain_f1_margin:.2f}，"
                                    "默认不启用；确认无误后可勾选“仍然启用”并写明理由", comparison)
        return comparison

    def activate(self, model: str, *, by: str, override: bool = False, reason: str = "") -> Dict[str, Any]:
        if override and not reason.strip():
            raise ActivationRefused("强制启用请写明理由")
        try:
            self.check(model, override)
        except RegistryError:
            raise ActivationRefused("没有这个模型") from None
        return self.control.activate(model, by=by, override=override, reason=reason.strip())

    def prune(self, trainings_kept: int = 3) -> List[str]:
        """Delete old models: all but the active one, the one restore would go back to, the model of
        the current training data and those of the last ``trainings_kept`` trainings."""
        from bot.model_store import model_name
        overview = self.overview()
        if overview.serving is None and overview.recorded is None:
            raise ActivationRefused("不知道正在使用哪个模型（助手没有运行，也没有启用记录），不删除任何模型")
        keep = {overview.active, overview.previous, f"{model_name(self.settings.training_root)}.tar.gz",
                *(t.get("model") for t in self.registry.trainings(limit=trainings_kept))}
        return self.registry.prune(name for name in keep if name)

    def restore(self, *, by: str) -> Dict[str, Any]:
        overview = self.overview()
        if overview.serving is None:
            raise ActivationRefused("助手（Rasa）现在联系不上，请确认它在运行（make run）。")
        previous = overview.previous
        if not previous:
            raise ActivationRefused("没有可以恢复的上一个模型")
        try:
            self.registry.path_of(previous)
        except RegistryError:
            raise ActivationRefused(f"上一个模型 {previous} 的文件已不在了") from None
        return self.control.activate(previous, by=by, restore=True, reason="恢复上一个模型")
