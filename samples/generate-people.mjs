#!/usr/bin/env node
// Writes samples/people.csv: a small, deterministic, realistic CSV for `npm start` and demos.
//
//   node samples/generate-people.mjs [--rows 2000] [--seed 20240601] [--out samples/people.csv]
//
// RFC 4180, UTF-8, LF line endings, one header line. Columns:
//   id (int), first_name, last_name, email, city, signup_date (YYYY-MM-DD), active (true/false),
//   score (decimal, 2 places), notes (free text)
// On purpose: some quoted fields with commas (cities such as "Washington, D.C.", notes),
// some with doubled quotes, exactly two notes with an embedded newline (ids 500 and 1500),
// non-ASCII names, and empty fields (email, city, signup_date, score, notes).
// The same seed always gives the same bytes: commit the output alongside this script.
import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '20240601' },
    out: { type: 'string', default: resolve(here, 'people.csv') },
  },
});

// mulberry32: tiny, fast, deterministic PRNG.
let state = Number(values.seed) >>> 0;
const random = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (list) => list[Math.floor(random() * list.length)];
const chance = (p) => random() < p;

const firstNames = [
  'Ada', 'Alan', 'Amara', 'Ben', 'Carla', 'Chen', 'Dmitri', 'Elena', 'Farah', 'George',
  'Hana', 'Ivan', 'José', 'Julia', 'Kofi', 'Lars', 'Mei', 'Nadia', 'Omar', 'Priya',
  'Quinn', 'Rosa', 'Sven', 'Tariq', 'Uma', 'Victor', 'Wen', 'Ximena', 'Yusuf', 'Zoë',
];
const lastNames = [
  'Anderson', 'Brown', 'Castillo', 'Dubois', 'Evans', 'Fischer', 'García', 'Hansen', 'Ito',
  'Jensen', 'Kowalski', 'Lee', 'Müller', "O'Brien", 'Nguyen', 'Okafor', 'Patel', 'Rossi',
  'Silva', 'Tanaka', 'Van der Berg', 'Walker', 'Yilmaz', 'Zhang',
];
const cities = [
  'Amsterdam', 'Austin', 'Berlin', 'Bogotá', 'Cape Town', 'Chicago', 'Dublin', 'Kraków',
  'Lagos', 'Lisbon', 'London', 'Montréal', 'Mumbai', 'Nairobi', 'Osaka', 'Oslo', 'Paris',
  'São Paulo', 'Seoul', 'Sydney', 'Toronto', 'Zürich',
  'Washington, D.C.', 'Portland, OR', 'Springfield, IL', 'Paris, TX',
];
const domains = ['example.com', 'example.org', 'mail.example.net', 'corp.example'];
const notes = [
  'prefers email',
  'VIP customer',
  'asked for a callback, evenings only',
  'moved from trial to paid',
  'referred by a friend, wants the discount',
  'said "call me next week"',
  'newsletter: yes, surveys: no',
  'duplicate of an older account?',
  'uses the mobile app',
  'likes tea, coffee, and long emails',
];
const multiLineNotes = {
  500: 'first line of a multi-line note\nsecond line, with a comma',
  1500: 'address on two lines:\n42 "Harbour" Road, Unit 7',
};

const asciiFold = (s) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();

const csvField = (value) => {
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

const pad = (n) => String(n).padStart(2, '0');
const start = Date.UTC(2019, 0, 1);
const days = 6 * 365;

const rows = Number(values.rows);
const lines = ['id,first_name,last_name,email,city,signup_date,active,score,notes'];
for (let id = 1; id <= rows; id++) {
  const first = pick(firstNames);
  const last = pick(lastNames);
  const email = chance(0.03)
    ? ''
    : `${asciiFold(first)}.${asciiFold(last)}${id}@${pick(domains)}`;
  const city = chance(0.04) ? '' : pick(cities);
  const d = new Date(start + Math.floor(random() * days) * 86_400_000);
  const signup = chance(0.01)
    ? ''
    : `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const active = chance(0.8) ? 'true' : 'false';
  const score = chance(0.05) ? '' : (random() * 100).toFixed(2);
  const note = multiLineNotes[id] ?? (chance(0.35) ? pick(notes) : '');
  lines.push([id, first, last, email, city, signup, active, score, note].map(csvField).join(','));
}

writeFileSync(values.out, lines.join('\n') + '\n');
console.log(`wrote ${rows} rows to ${values.out}`);
