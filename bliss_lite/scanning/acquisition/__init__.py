"""BLISS's standard acquisition objects: ``timer`` (SoftwareTimerMaster), ``motor``
(LinearStepTriggerMaster, MeshStepTriggerMaster, VariableStepTriggerMaster) and
``counter`` (SamplingCounterAcquisitionSlave)."""
