//! The SHA-NI PBKDF2-HMAC-SHA256 iteration loop for up to four interleaved passwords; `unsafe` with its invariant.
//!
//! Each iteration is exactly two SHA-256 compressions of pre-padded 64-byte blocks (the inner and
//! the outer hash of HMAC, both resumed from pad states computed once). The lanes are independent,
//! so their `sha256rnds2` chains overlap in the CPU and fill the latency one chain would leave idle.

use core::arch::x86_64::{
    __m128i, _mm_add_epi32, _mm_alignr_epi8, _mm_blend_epi16, _mm_extract_epi32, _mm_set_epi32,
    _mm_setzero_si128, _mm_sha256msg1_epu32, _mm_sha256msg2_epu32, _mm_sha256rnds2_epu32,
    _mm_shuffle_epi32, _mm_xor_si128,
};

use crate::auth::pbkdf2::{INITIAL_STATE, LaneInput, RESUMED_BIT_LEN, ROUND_CONSTANTS, WORDS};

/// The most passwords one call interleaves; beyond four the rounds unit is already full.
pub const MAX_LANES: usize = 4;

/// True when this CPU runs the SHA-NI path (the instructions `derive_lanes` is compiled for).
pub fn available() -> bool {
    std::arch::is_x86_feature_detected!("sha")
        && std::arch::is_x86_feature_detected!("sse2")
        && std::arch::is_x86_feature_detected!("ssse3")
        && std::arch::is_x86_feature_detected!("sse4.1")
}

/// Runs the iteration loop for `lanes` (1 to [`MAX_LANES`]) and returns each lane's derived words.
///
/// Panics when the CPU lacks SHA-NI; the caller chooses this engine only after [`available`].
pub fn derive(lanes: &[LaneInput], iterations: u32) -> Vec<[u32; WORDS]> {
    assert!(
        available(),
        "the SHA-NI engine needs a CPU with SHA-NI and SSE4.1"
    );
    match lanes {
        [a] => derive_checked::<1>([a], iterations),
        [a, b] => derive_checked::<2>([a, b], iterations),
        [a, b, c] => derive_checked::<3>([a, b, c], iterations),
        [a, b, c, d] => derive_checked::<4>([a, b, c, d], iterations),
        _ => panic!("the SHA-NI engine takes 1 to {MAX_LANES} passwords at once"),
    }
}

fn derive_checked<const N: usize>(lanes: [&LaneInput; N], iterations: u32) -> Vec<[u32; WORDS]> {
    // SAFETY: `derive_lanes` only requires that the CPU supports the target features it is compiled
    // with (sha, sse2, ssse3, sse4.1); `derive` asserted exactly that with `available()` before
    // reaching here, and this function is private to that path. It touches no raw pointers.
    unsafe { derive_lanes(lanes, iterations) }.to_vec()
}

/// One SHA-256 state in the register layout `sha256rnds2` works on.
#[derive(Clone, Copy)]
struct State {
    /// Lanes (F, E, B, A).
    abef: __m128i,
    /// Lanes (H, G, D, C).
    cdgh: __m128i,
}

/// A 64-byte block as four vectors of message words, `W[4k..4k+4]` in lanes 0 to 3.
type Block = [__m128i; 4];

#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn vector(words: &[u32]) -> __m128i {
    let lane = |i: usize| words[i].cast_signed();
    _mm_set_epi32(lane(3), lane(2), lane(1), lane(0))
}

/// `(A,B,C,D)` and `(E,F,G,H)` words into the `sha256rnds2` layout.
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn to_state(abcd: __m128i, efgh: __m128i) -> State {
    let badc = _mm_shuffle_epi32::<0xB1>(abcd);
    let hgfe = _mm_shuffle_epi32::<0x1B>(efgh);
    State {
        abef: _mm_alignr_epi8::<8>(badc, hgfe),
        cdgh: _mm_blend_epi16::<0xF0>(hgfe, badc),
    }
}

/// The inverse of [`to_state`]: the digest words `(A,B,C,D)` and `(E,F,G,H)`.
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn to_words(state: State) -> [__m128i; 2] {
    let abef = _mm_shuffle_epi32::<0x1B>(state.abef);
    let ghcd = _mm_shuffle_epi32::<0xB1>(state.cdgh);
    [
        _mm_blend_epi16::<0xF0>(abef, ghcd),
        _mm_alignr_epi8::<8>(ghcd, abef),
    ]
}

/// Compresses one block per lane, all lanes' rounds interleaved so their latencies overlap.
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
#[inline]
fn compress<const N: usize>(start: &[State; N], blocks: &[Block; N]) -> [State; N] {
    let mut schedule = *blocks;
    let mut state = *start;
    for quad in 0..16 {
        let slot = quad % 4;
        if quad >= 4 {
            // W[t..t+4] from W[t-16..t-12] (slot), W[t-12..] (slot+1), W[t-8..] (slot+2), W[t-4..] (slot+3).
            for words in &mut schedule {
                let with_sigma0 = _mm_sha256msg1_epu32(words[slot], words[(slot + 1) % 4]);
                let minus_seven =
                    _mm_alignr_epi8::<4>(words[(slot + 3) % 4], words[(slot + 2) % 4]);
                let sum = _mm_add_epi32(with_sigma0, minus_seven);
                words[slot] = _mm_sha256msg2_epu32(sum, words[(slot + 3) % 4]);
            }
        }
        let constants = vector(&ROUND_CONSTANTS[4 * quad..4 * quad + 4]);
        for (lane, words) in state.iter_mut().zip(&schedule) {
            let message = _mm_add_epi32(words[slot], constants);
            let after_two = _mm_sha256rnds2_epu32(lane.cdgh, lane.abef, message);
            let upper = _mm_shuffle_epi32::<0x0E>(message);
            let after_four = _mm_sha256rnds2_epu32(lane.abef, after_two, upper);
            *lane = State {
                abef: after_four,
                cdgh: after_two,
            };
        }
    }
    for (lane, before) in state.iter_mut().zip(start) {
        lane.abef = _mm_add_epi32(lane.abef, before.abef);
        lane.cdgh = _mm_add_epi32(lane.cdgh, before.cdgh);
    }
    state
}

/// Blocks that resume from a pad state with a 32-byte digest: `digest, 0x80, zeros, bit length`.
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn digest_block(digest: [__m128i; 2]) -> Block {
    let bit_len = RESUMED_BIT_LEN.cast_signed();
    [
        digest[0],
        digest[1],
        _mm_set_epi32(0, 0, 0, 0x8000_0000_u32.cast_signed()),
        _mm_set_epi32(bit_len, 0, 0, 0),
    ]
}

#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn derive_lanes<const N: usize>(lanes: [&LaneInput; N], iterations: u32) -> [[u32; WORDS]; N] {
    let zero = _mm_setzero_si128();
    let initial = to_state(vector(&INITIAL_STATE[..4]), vector(&INITIAL_STATE[4..]));
    let mut inner_blocks = [[zero; 4]; N];
    let mut outer_blocks = [[zero; 4]; N];
    let mut u = [[zero; 2]; N];
    for (lane, input) in lanes.iter().enumerate() {
        for quad in 0..4 {
            inner_blocks[lane][quad] = vector(&input.inner_pad[4 * quad..4 * quad + 4]);
            outer_blocks[lane][quad] = vector(&input.outer_pad[4 * quad..4 * quad + 4]);
        }
        u[lane] = [vector(&input.first_u[..4]), vector(&input.first_u[4..])];
    }
    let inner_pad = compress(&[initial; N], &inner_blocks);
    let outer_pad = compress(&[initial; N], &outer_blocks);
    let mut sum = u;
    for _ in 1..iterations {
        let mut blocks = [[zero; 4]; N];
        for (block, digest) in blocks.iter_mut().zip(&u) {
            *block = digest_block(*digest);
        }
        let inner = compress(&inner_pad, &blocks);
        for (block, state) in blocks.iter_mut().zip(&inner) {
            *block = digest_block(to_words(*state));
        }
        let outer = compress(&outer_pad, &blocks);
        for lane in 0..N {
            u[lane] = to_words(outer[lane]);
            sum[lane][0] = _mm_xor_si128(sum[lane][0], u[lane][0]);
            sum[lane][1] = _mm_xor_si128(sum[lane][1], u[lane][1]);
        }
    }
    let mut out = [[0u32; WORDS]; N];
    for (words, halves) in out.iter_mut().zip(&sum) {
        for (half, vector) in halves.iter().enumerate() {
            words[4 * half] = _mm_extract_epi32::<0>(*vector).cast_unsigned();
            words[4 * half + 1] = _mm_extract_epi32::<1>(*vector).cast_unsigned();
            words[4 * half + 2] = _mm_extract_epi32::<2>(*vector).cast_unsigned();
            words[4 * half + 3] = _mm_extract_epi32::<3>(*vector).cast_unsigned();
        }
    }
    out
}
