{#- Rule: a hire starts on or after the day its offer was accepted. (A start date typed a century
    late still keeps it; the quality gate judges such dates.) -#}
select hire_id, offer_accepted_at, start_date
from {{ ref('stg_ats__hires') }}
where start_date < cast(offer_accepted_at as date)
