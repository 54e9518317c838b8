"""The anonymizer app's model classes, one module per stage; all keep the app label
`anonymizer`, their tables and their migrations. Import them from here."""

from anonymizer.models.batches import (
    ApiToken,
    ApiTokenScope,
    BatchStatus,
    ColumnRole,
    DataClass,
    IdempotencyKey,
    Purpose,
    Record,
    RecordStatus,
    SourceBatch,
    SourceFormat,
)
from anonymizer.models.detection import (
    DetectedSpan,
    DetectionChunk,
    DetectionRun,
    RiskAssessment,
    RuleSet,
    RuleSetEvaluation,
)
from anonymizer.models.exports import ExportedDataset, PrivacyBudgetEntry, VaultEntry
from anonymizer.models.linkage import LinkageTest
from anonymizer.models.nermodels import NerModel
from anonymizer.models.pipelines import Pipeline, PipelineFile, PipelineRun
from anonymizer.models.policies import Policy

__all__ = [
    "ApiToken",
    "ApiTokenScope",
    "BatchStatus",
    "ColumnRole",
    "DataClass",
    "DetectedSpan",
    "DetectionChunk",
    "DetectionRun",
    "ExportedDataset",
    "IdempotencyKey",
    "LinkageTest",
    "NerModel",
    "Pipeline",
    "PipelineFile",
    "PipelineRun",
    "Policy",
    "PrivacyBudgetEntry",
    "Purpose",
    "Record",
    "RecordStatus",
    "RiskAssessment",
    "RuleSet",
    "RuleSetEvaluation",
    "SourceBatch",
    "SourceFormat",
    "VaultEntry",
]
