/**
 * docker/go-units: human sizes and durations as docker prints them. Sizes go through Go's
 * `%.*g` (formatG), so rounding and the switch to exponent form match fmt's output exactly
 * (`units.HumanSizeWithPrecision(999_600, 3)` is "1e+03kB" in docker too).
 */
export { humanDuration } from '../../lib/index.js';

const BINARY_ABBRS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];
const DECIMAL_ABBRS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

/** The exact decimal digits of a finite non-negative double: digits (no leading zeros) and point position. */
function exactDecimal(x: number): { digits: string; dp: number } {
  if (x === 0) return { digits: '', dp: 0 };
  // Doubles of at least 1e-6 have at most ~1100 fractional binary digits; toFixed(100) is exact
  // for the magnitudes go-units produces (below 1e21, and sizes are whole numbers of bytes
  // divided by 1000 or 1024 a few times, so at most 60 or so fractional decimal digits).
  let s = x < 1e21 ? x.toFixed(100) : BigInt(x).toString();
  let dp = s.indexOf('.');
  if (dp < 0) dp = s.length;
  s = s.replace('.', '');
  const lead = s.search(/[1-9]/);
  const digits = s.slice(lead).replace(/0+$/, '');
  return { digits, dp: dp - lead };
}

/** Rounds a digit string to `n` digits, half to even on exact ties (Go's strconv decimal.Round). */
function roundDigits(digits: string, dp: number, n: number): { digits: string; dp: number } {
  if (digits.length <= n) return { digits, dp };
  const next = digits.charCodeAt(n) - 48;
  const rest = digits.slice(n + 1);
  let up: boolean;
  if (next > 5 || (next === 5 && /[1-9]/.test(rest))) up = true;
  else if (next === 5) up = n > 0 && (digits.charCodeAt(n - 1) - 48) % 2 === 1;
  else up = false;
  let kept = digits.slice(0, n);
  if (up) {
    let i = kept.length - 1;
    while (i >= 0 && kept[i] === '9') i--;
    if (i < 0) return { digits: '1', dp: dp + 1 };
    kept = kept.slice(0, i) + String.fromCharCode(kept.charCodeAt(i) + 1);
  }
  return { digits: kept.replace(/0+$/, ''), dp };
}

/** Go's fmt `%.{prec}g` of a number (strconv.FormatFloat(x, 'g', prec, 64)). */
export function formatG(x: number, prec: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  const neg = x < 0 || Object.is(x, -0);
  if (prec === 0) prec = 1;
  let { digits, dp } = exactDecimal(Math.abs(x));
  ({ digits, dp } = roundDigits(digits, dp, prec));
  const sign = neg ? '-' : '';
  if (digits === '') return sign + '0';
  let eprec = prec;
  if (eprec > digits.length && digits.length >= dp) eprec = digits.length;
  const exp = dp - 1;
  if (exp < -4 || exp >= eprec) {
    const p = Math.min(prec, digits.length);
    const mant = digits[0]! + (p > 1 ? '.' + digits.slice(1, p) : '');
    const e = Math.abs(exp);
    return `${sign}${mant}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  // %f with max(prec - dp, 0) decimals, prec reduced to the digits there are
  const p = prec > dp ? digits.length : prec;
  const decimals = Math.max(p - dp, 0);
  const intPart = dp <= 0 ? '0' : (digits.slice(0, dp) + '0'.repeat(Math.max(0, dp - digits.length))).slice(0, dp);
  let frac = '';
  for (let i = 0; i < decimals; i++) {
    const k = dp + i;
    frac += k >= 0 && k < digits.length ? digits[k] : '0';
  }
  return sign + intPart + (decimals > 0 ? '.' + frac : '');
}

function sizeAndUnit(size: number, base: number, abbrs: string[]): [number, string] {
  let i = 0;
  while (size >= base && i < abbrs.length - 1) {
    size /= base;
    i++;
  }
  return [size, abbrs[i]!];
}

/** units.HumanSizeWithPrecision: decimal units with `precision` significant digits ("4.26MB" at 3). */
export function humanSizeWithPrecision(bytes: number, precision: number): string {
  const [size, unit] = sizeAndUnit(bytes, 1000, DECIMAL_ABBRS);
  return formatG(size, precision) + unit;
}

/** units.BytesSize: binary units, 4 significant digits ("23.54GiB"). */
export function bytesSize(bytes: number): string {
  const [size, unit] = sizeAndUnit(bytes, 1024, BINARY_ABBRS);
  return formatG(size, 4) + unit;
}

/** units.HumanSize: decimal units, 4 significant digits ("1.21MB"). */
export function humanSize(bytes: number): string {
  return humanSizeWithPrecision(bytes, 4);
}

