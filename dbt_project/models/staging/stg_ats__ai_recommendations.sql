{{ config(materialized='incremental', unique_key='recommendation_id') }}

with latest as (
    {{ latest_version(source('raw', 'ats_ai_recommendations'), 'recommendation_id', 'recommended_at') }}
)

select
    cast(recommendation_id as {{ dbt.type_string() }}) as recommendation_id,
    cast(application_id as {{ dbt.type_string() }}) as application_id,
    cast(trim(model_version) as {{ dbt.type_string() }}) as model_version,
    cast(score as {{ type_double() }}) as score,
    cast(confidence as {{ type_double() }}) as confidence,
    {{ clean_category('recommendation') }} as recommendation,
    cast(routed_to_human as {{ dbt.type_boolean() }}) as routed_to_human,
    cast(random_sample as {{ dbt.type_boolean() }}) as random_sample,
    cast(recommended_at as {{ dbt.type_timestamp() }}) as recommended_at,
    _extract_date,
    _loaded_at
from latest
