"""The Reflex web app: thin states over the pipeline, and components that are plain functions of state."""
