"""Beam and pulse: what one microbeam delivers, in SI units.

Fluence and irradiance are derived from energy, spot and duration and never
stored. A Gaussian beam's `spot_diameter` is its 1/e^2 diameter 2w; a
top-hat's is its full diameter.

Gaussian:  F(r) = 2 E / (pi w^2) exp(-2 r^2 / w^2)
Top-hat:   F(r) = E / (pi a^2) for r <= a

A Gaussian microbeam is focused at depth z_f below the skin surface (its waist
w0 there; z_f = `focal_offset`, 0 by default: scanners are set to focus on the
skin, and device makers publish neither z_f nor M^2) and widens away from it
as in free space, w(z) = w0 sqrt(1 + ((z - z_f) / z_R)^2), with the
Rayleigh range z_R = pi w0^2 / (M^2 lambda) (Siegman, Lasers, 1986, ch. 17;
ISO 11146 for the beam quality factor M^2). Inside a crater the light
travels in air, so lambda is the vacuum wavelength.
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import erf

from resurfacer.data import load_toml
from resurfacer.errors import InputError, check_choice, check_range

PROFILES = ("gaussian", "tophat")
TEMPORAL_SHAPES = ("square", "gaussian")
MAX_STACK = 20
MAX_M_SQUARED = 50.0
MAX_FOCAL_OFFSET = 5e-3  # m
_DEFAULTS = load_toml("pulse_train.toml")
#: start-to-start spacing of stacked pulses as a multiple of the pulse duration where a
#: plan, `mtz` or the planner leaves it open (model value with its reasoning in
#: ``data/pulse_train.toml``)
STACK_SPACING_FACTOR = float(_DEFAULTS["stacking"]["spacing_factor"])
#: the beam quality range over which a Gaussian column's sensitivity is shown (`mtz`,
#: `validate`; ``data/pulse_train.toml``): no maker publishes M^2, and the presets take
#: the idealised 1
M2_BAND = tuple(float(m) for m in _DEFAULTS["beam_quality"]["m_squared_band"])
#: 1/e^2 diameter of a Gaussian beam whose full width at half maximum is 1:
#: exp(-2 r^2 / w^2) = 1/2 at r = FWHM / 2 gives 2 w = FWHM sqrt(2 / ln 2) = 1.699 FWHM.
#: Spots are read as 1/e^2 diameters (ISO 11146's D4sigma for a Gaussian; Hantash et
#: al., Lasers Surg Med 2007;39:96 state their 120 um fractional CO2 spot so); most
#: rows and presets do not say, so `validate` also reads a narrow spot as a FWHM.
E2_DIAMETER_PER_FWHM = math.sqrt(2.0 / math.log(2.0))


@dataclass(frozen=True)
class Beam:
    """A focused beam: wavelength [m], spot diameter [m], spatial profile and M^2.

    `m_squared` is the beam quality factor (1: a diffraction-limited TEM00
    beam, the default, since device makers do not publish it); it sets how
    fast a Gaussian beam widens below its focus. `focal_offset` [m] is the
    depth of the waist below the skin surface (negative: above it); the spot
    diameter is the waist's.
    """

    wavelength: float
    spot_diameter: float
    profile: str = "gaussian"
    m_squared: float = 1.0
    focal_offset: float = 0.0

    def __post_init__(self):
        check_range("wavelength", self.wavelength, 0.0, math.inf, "m", low_inclusive=False)
        check_range("spot_diameter", self.spot_diameter, 0.0, math.inf, "m", low_inclusive=False)
        check_choice("profile", self.profile, PROFILES)
        check_range("m_squared", self.m_squared, 1.0, MAX_M_SQUARED)
        check_range("focal_offset", self.focal_offset, -MAX_FOCAL_OFFSET, MAX_FOCAL_OFFSET, "m")

    @property
    def radius(self) -> float:
        """1/e^2 radius w (Gaussian) or radius a (top-hat) [m]."""
        return 0.5 * self.spot_diameter

    @property
    def area(self) -> float:
        """Nominal spot area pi r^2 [m^2] used for the average fluence."""
        return math.pi * self.radius**2

    @property
    def rayleigh_range(self) -> float:
        """z_R = pi w0^2 / (M^2 lambda) [m]."""
        return math.pi * self.radius**2 / (self.m_squared * self.wavelength)

    def spread(self, z) -> np.ndarray:
        """Beam radius at depth z [m] below the skin surface over the waist radius,
        w(z) / w0 = sqrt(1 + ((z - z_f) / z_R)^2) with z_f the focal offset
        (Gaussian); 1 for a top-hat, which is taken as collimated over the depths
        involved (an approximation)."""
        z = np.asarray(z, dtype=float)
        if self.profile != "gaussian":
            return np.ones_like(z)
        return np.sqrt(1.0 + ((z - self.focal_offset) / self.rayleigh_range) ** 2)

    def power_fraction_inside(self, r) -> np.ndarray:
        """Fraction of the beam power within radius r [m].

        Gaussian: 1 - exp(-2 r^2 / w^2); top-hat: min(r^2 / a^2, 1).
        """
        r = np.asarray(r, dtype=float)
        if self.profile == "gaussian":
            return 1.0 - np.exp(-2.0 * r**2 / self.radius**2)
        return np.minimum(r**2 / self.radius**2, 1.0)

    def ring_fractions(self, ring_edges) -> np.ndarray:
        """Fraction of the power falling in each annulus between successive edges [m]."""
        return np.diff(self.power_fraction_inside(ring_edges))

    def peak_fluence(self, energy: float) -> float:
        """Fluence on the axis [J/m^2]: 2E/(pi w^2) (Gaussian) or E/(pi a^2) (top-hat)."""
        factor = 2.0 if self.profile == "gaussian" else 1.0
        return factor * energy / self.area


@dataclass(frozen=True)
class Pulse:
    """A pulse train at one spot: `stack` pulses of `energy` [J] and `duration` [s].

    Pulses start every `spacing` [s] (at least the duration). `shape` is the
    temporal profile: "square" (constant power) or "gaussian" (centred in
    the window [0, duration] with sigma = duration / 4, truncated to the
    window and renormalised).
    """

    energy: float
    duration: float
    shape: str = "square"
    stack: int = 1
    spacing: float = 0.0

    def __post_init__(self):
        check_range("energy", self.energy, 0.0, math.inf, "J", low_inclusive=False)
        check_range("duration", self.duration, 0.0, 1.0, "s", low_inclusive=False)
        check_choice("shape", self.shape, TEMPORAL_SHAPES)
        check_range("stack", self.stack, 1, MAX_STACK)
        if self.stack > 1 and self.spacing < self.duration:
            raise InputError(
                "spacing",
                self.spacing,
                f">= the pulse duration ({self.duration:g} s) when stack > 1",
            )

    @property
    def total_energy(self) -> float:
        """Energy of the whole train [J]."""
        return self.energy * self.stack

    @property
    def end_time(self) -> float:
        """Time the last pulse ends [s]."""
        return (self.stack - 1) * self.spacing + self.duration

    @property
    def mean_power(self) -> float:
        """Average power during one pulse [W]."""
        return self.energy / self.duration

    def cumulative_energy(self, t) -> np.ndarray:
        """Energy [J] delivered from t = 0 to t [s], exactly for the chosen shape."""
        t = np.asarray(t, dtype=float)
        total = np.zeros_like(t)
        for i in range(self.stack):
            local = t - i * self.spacing
            total += self.energy * self._single_pulse_fraction(local)
        return total

    def _single_pulse_fraction(self, t) -> np.ndarray:
        tau = self.duration
        if self.shape == "square":
            return np.clip(t / tau, 0.0, 1.0)
        sigma = 0.25 * tau
        centre = 0.5 * tau
        lo = erf((0.0 - centre) / (math.sqrt(2.0) * sigma))
        hi = erf((tau - centre) / (math.sqrt(2.0) * sigma))
        x = erf((np.clip(t, 0.0, tau) - centre) / (math.sqrt(2.0) * sigma))
        return (x - lo) / (hi - lo)

    def energy_per_step(self, dt: float) -> np.ndarray:
        """Energy [J] delivered in each step [k dt, (k+1) dt] up to the end of the train."""
        n = int(math.ceil(self.end_time / dt - 1e-9))
        edges = np.arange(n + 1) * dt
        return np.diff(self.cumulative_energy(edges))


def average_fluence(beam: Beam, pulse: Pulse) -> float:
    """Energy per pulse over the nominal spot area, E / (pi r^2) [J/m^2]."""
    return pulse.energy / beam.area


def peak_irradiance(beam: Beam, pulse: Pulse) -> float:
    """Axial irradiance of a square pulse, peak fluence / duration [W/m^2]."""
    return beam.peak_fluence(pulse.energy) / pulse.duration
