/*
 * Eight people written by hand; every expected membership below is worked out from these rows.
 * Load 2 adds one diagnosis (P7's rheumatoid arthritis), for snapshot pinning.
 */
export const ROWS = {
  "clinical.person": [
    ["P1", "1960-05-01", null, "female", "091"],
    ["P2", "1950-01-01", null, "male", "049"],
    ["P3", "2000-01-01", null, "female", "091"],
    ["P4", "1945-01-01", "2018-03-01T10:00:00+02:00", "male", "092"],
    ["P5", "1970-01-01", null, "female", "091"],
    ["P6", "1950-02-01", "2020-01-20T12:00:00+02:00", "male", "091"],
    ["P7", "1990-01-01", null, "female", "091"],
    ["P8", "1961-01-01", null, "male", "049"],
  ].map(([p, birth, death, sex, municipality]) => ({
    pseudo_id: p as string,
    event_date: birth as string,
    birth_date: birth as string,
    deceased_at: death as string | null,
    sex: sex as string,
    municipality: municipality as string,
  })),
  "clinical.unit": [
    { record_key: "U1", kind: "area", name: "Reumatologian poliklinikka" },
    { record_key: "U2", kind: "wa", name: "Neurologian osasto N7" },
    { record_key: "U3", kind: "area", name: "Neurologian poliklinikka" },
  ],
  "clinical.visit": [
    ["V1", "P1", "2015-01-10", "10R", "AMB", "U1"],
    ["V2", "P2", "2016-03-01", "10R", "AMB", "U1"],
    ["V3", "P3", "2019-06-01", "77", "IMP", "U2"],
    ["V4", "P5", "2021-01-01", "77", "AMB", "U3"],
  ].map(([k, p, d, specialty, cls, unit]) => ({
    record_key: k as string,
    pseudo_id: p as string,
    event_date: d as string,
    specialty: specialty as string,
    class: cls as string,
    start: `${d}T09:00:00+02:00`,
    end: `${d}T10:00:00+02:00`,
    location_id: unit as string,
  })),
  "clinical.diagnosis": [
    ["P1", "2015-01-10", "M05.8", "V1"],
    ["P1", "2017-01-01", "M05.8", null],
    ["P2", "2016-03-01", "M06.0", "V2"],
    ["P3", "2018-01-01", "E11.9", null],
    ["P4", "2018-01-01", "E11.9", null],
    ["P4", "2018-05-01", "E11.9", null],
    ["P5", "2019-01-01", "E11.9", null],
    ["P5", "2010-05-05", "E10.9", null],
    ["P6", "2020-01-01", "I21.0", null],
    ["P7", "2020-05-01", "I21.4", null],
    ["P8", "2021-01-01", "I21.0", null],
    ["P3", "2019-06-01", "G35", "V3"],
    ["P5", "2021-01-01", "G35", "V4"],
  ].map(([p, d, code, visit]) => ({
    pseudo_id: p as string,
    event_date: d as string,
    code: code as string,
    encounter_id: visit as string | null,
  })),
  "clinical.medication_request": [
    { pseudo_id: "P1", event_date: "2015-02-01", atc: "L04AX03" },
    { pseudo_id: "P2", event_date: "2016-08-01", atc: "L04AX03" },
  ],
  "clinical.lab": [
    ["P1", "2015-01-10", "4541", 20, "mg/l", "V1"],
    ["P2", "2016-02-01", "4541", 5, "mg/l", null],
    ["P3", "2018-02-01", "17863", 60, "mmol/mol", null],
    ["P3", "2018-06-01", "17863", 58, "mmol/mol", null],
    ["P4", "2018-02-01", "17863", 60, "mmol/mol", null],
    ["P4", "2018-02-01", "17863", 61, "mmol/mol", null],
    ["P5", "2019-02-01", "17863", 60, "mmol/mol", null],
    ["P5", "2019-03-01", "17863", 62, "mmol/mol", null],
  ].map(([p, d, code, value, unit, visit]) => ({
    pseudo_id: p as string,
    event_date: d as string,
    local_code: code as string,
    value: value as number,
    unit: unit as string,
    encounter_id: visit as string | null,
  })),
  "clinical.procedure": [
    { pseudo_id: "P6", event_date: "2020-01-03", code: "FNG05" },
    { pseudo_id: "P7", event_date: "2020-05-03", code: "FNG05" },
    { pseudo_id: "P8", event_date: "2021-01-05", code: "FNG05" },
  ],
  "clinical.note": [
    { pseudo_id: "P1", event_date: "2015-01-10", text: "Nivelkipuja käsissä." },
    { pseudo_id: "P2", event_date: "2016-02-10", text: "Polven nivelkivut, ei turvotusta." },
    { pseudo_id: "P3", event_date: "2018-01-01", text: "Ei valituksia." },
  ],
  "reuma.visit": [
    { pseudo_id: "P1", event_date: "2015-06-01", visit_date: "2015-06-01", das28: 5.6 },
    { pseudo_id: "P2", event_date: "2016-09-01", visit_date: "2016-09-01", das28: 3.0 },
  ],
};
