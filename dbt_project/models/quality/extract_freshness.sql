{#- How far each source system lags behind the as-of date (the newest extract of any system):
    a system whose feed stopped shows here while the others keep arriving. The quality gate
    warns when one lags by more than 8 days. -#}
select
    extract_dates.source_system,
    max(extract_dates.newest_extract_date) as newest_extract_date,
    as_of.as_of_date,
    {{ dbt.datediff('max(extract_dates.newest_extract_date)', 'as_of.as_of_date', 'day') }} as days_behind
from {{ ref('int_extract_dates') }} as extract_dates
cross join {{ ref('int_as_of') }} as as_of
group by extract_dates.source_system, as_of.as_of_date
