"""The training → satisfaction chain: attendees invited to the training's survey."""
