{{ config(materialized='incremental', unique_key='offer_id') }}

with latest as (
    {{ latest_version(source('raw', 'ats_offers'), 'offer_id', 'updated_at') }}
)

select
    cast(offer_id as {{ dbt.type_string() }}) as offer_id,
    cast(application_id as {{ dbt.type_string() }}) as application_id,
    cast(sent_at as {{ dbt.type_timestamp() }}) as sent_at,
    cast(responded_at as {{ dbt.type_timestamp() }}) as responded_at,
    {{ clean_category('status') }} as status,
    {{ clean_category('salary_band') }} as salary_band,
    cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
    _extract_date,
    _loaded_at
from latest
