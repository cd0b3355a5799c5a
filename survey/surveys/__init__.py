"""Citizen surveys: definitions, scales, submission checks, the batching writer, QR codes."""
