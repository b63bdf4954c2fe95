"""The laser side of a pass: beam (wavelength, spot, profile, beam quality) and
pulse (energy, duration, stacking). SI units."""

from resurfacer.laser.beam import Beam, Pulse, average_fluence, peak_irradiance

__all__ = ["Beam", "Pulse", "average_fluence", "peak_irradiance"]
