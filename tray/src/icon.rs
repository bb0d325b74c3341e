//! The tray icon per state, drawn at 32×32 RGBA: a disc in the state's colour (idle green,
//! working blue, paused amber with two bars, error red with a bar and a dot, unreachable a grey
//! ring), antialiased by 4×4 supersampling.

use tray_icon::Icon;

use crate::state::Kind;

const SIZE: u32 = 32;

/// RGBA pixels, row-major, `SIZE × SIZE × 4` bytes.
pub fn pixels(kind: Kind) -> Vec<u8> {
    let (r, g, b) = match kind {
        Kind::Idle => (0x2e, 0x9d, 0x48),
        Kind::Working => (0x2c, 0x6f, 0xd6),
        Kind::Paused => (0xe0, 0xa0, 0x00),
        Kind::Error => (0xd3, 0x33, 0x33),
        Kind::Unreachable => (0x88, 0x88, 0x88),
    };
    let mut out = Vec::with_capacity((SIZE * SIZE * 4) as usize);
    for y in 0..SIZE {
        for x in 0..SIZE {
            let (mut disc, mut mark) = (0u32, 0u32);
            for sy in 0..4 {
                for sx in 0..4 {
                    let px = x as f32 + (sx as f32 + 0.5) / 4.0;
                    let py = y as f32 + (sy as f32 + 0.5) / 4.0;
                    let (dx, dy) = (px - 16.0, py - 16.0);
                    let d = (dx * dx + dy * dy).sqrt();
                    let inside = match kind {
                        Kind::Unreachable => (10.5..=14.5).contains(&d),
                        _ => d <= 14.5,
                    };
                    disc += inside as u32;
                    mark += (inside && glyph(kind, px, py)) as u32;
                }
            }
            let a = disc * 255 / 16;
            let white = mark as f32 / disc.max(1) as f32;
            let mix = |c: u8| (c as f32 * (1.0 - white) + 255.0 * white) as u8;
            out.extend_from_slice(&[mix(r), mix(g), mix(b), a as u8]);
        }
    }
    out
}

/// Whether (px, py) lies on the white mark drawn over the disc.
fn glyph(kind: Kind, px: f32, py: f32) -> bool {
    match kind {
        Kind::Paused => {
            (9.0..=20.0).contains(&py)
                && ((10.5..=14.0).contains(&px) || (18.0..=21.5).contains(&px))
        }
        Kind::Error => {
            (14.5..=17.5).contains(&px)
                && ((7.5..=18.0).contains(&py) || (20.5..=24.0).contains(&py))
        }
        Kind::Working => {
            let d = ((px - 16.0).powi(2) + (py - 16.0).powi(2)).sqrt();
            (5.0..=8.0).contains(&d)
        }
        Kind::Idle | Kind::Unreachable => false,
    }
}

/// The icon for a state.
pub fn for_kind(kind: Kind) -> Icon {
    Icon::from_rgba(pixels(kind), SIZE, SIZE).expect("32×32 RGBA is a valid icon")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_has_its_own_icon() {
        let all = [
            Kind::Idle,
            Kind::Working,
            Kind::Paused,
            Kind::Error,
            Kind::Unreachable,
        ];
        let icons: Vec<Vec<u8>> = all.iter().map(|k| pixels(*k)).collect();
        for (i, a) in icons.iter().enumerate() {
            assert_eq!(a.len(), 32 * 32 * 4);
            for b in &icons[i + 1..] {
                assert_ne!(a, b);
            }
        }
        // The centre of the unreachable ring is transparent; of the idle disc opaque.
        let centre = (16 * 32 + 16) * 4 + 3;
        assert_eq!(icons[4][centre], 0);
        assert_eq!(icons[0][centre], 255);
    }
}
