// Hand-written DuckDB, as one would write each cohort directly over the current rows.
export const HAND = {
  "ra-methotrexate": `with ra as (select pseudo_id, min(event_date) idx from clinical.diagnosis
      where load_to is null and (code like 'M05%' or code like 'M06%') group by 1)
    select count(*) n from ra where exists (select 1 from clinical.medication_request m
      where m.load_to is null and m.atc = 'L04AX03' and m.pseudo_id = ra.pseudo_id and m.event_date between ra.idx and ra.idx + 90)`,
  "ms-neurology-ward-2018-2020": `with v as (select v.pseudo_id, min(v.event_date) idx from clinical.visit v
      join clinical.unit u on u.record_key = v.location_id and u.load_to is null and u.kind = 'wa'
      where v.load_to is null and v.specialty = '77' and v.event_date between date '2018-01-01' and date '2020-12-31' group by 1)
    select count(*) n from v where pseudo_id in (select pseudo_id from clinical.diagnosis where load_to is null and code = 'G35')`,
  "t2d-hba1c": `with t2d as (select pseudo_id, min(event_date) idx from clinical.diagnosis where load_to is null and code like 'E11%' group by 1),
    hi as (select t.pseudo_id from t2d t join clinical.lab l on l.pseudo_id = t.pseudo_id and l.load_to is null
      and l.local_code = '17863' and l.value > 53 and l.unit = 'mmol/mol' and l.event_date between t.idx and t.idx + 365
      group by 1 having count(distinct l.event_date) >= 2)
    select count(*) n from hi where pseudo_id not in (select pseudo_id from clinical.diagnosis where load_to is null and code like 'E10%')`,
  "mi-pci": `with mi as (select pseudo_id, min(event_date) idx from clinical.diagnosis where load_to is null and code like 'I21%' group by 1)
    select count(*) n from mi join clinical.person p on p.pseudo_id = mi.pseudo_id and p.load_to is null
    where date_part('year', age(mi.idx, p.birth_date::date)) between 40 and 80
      and exists (select 1 from clinical.procedure x where x.load_to is null and x.code = 'FNG05' and x.pseudo_id = mi.pseudo_id and x.event_date between mi.idx and mi.idx + 7)
      and not coalesce(p.deceased_at[1:10]::date between mi.idx and mi.idx + 30, false)`,
  "joint-pain-crp": `with n as (select pseudo_id, min(event_date) idx from clinical.note where load_to is null
      and regexp_matches(text, '(?i)(nivelkipu|nivelkivut|ledbesvär|joint pain|polyarthritis)') group by 1)
    select count(*) n from n where exists (select 1 from clinical.lab l where l.load_to is null and l.local_code = '4541'
      and l.value > 10 and l.pseudo_id = n.pseudo_id and l.event_date between n.idx - 30 and n.idx + 30)`,
};
